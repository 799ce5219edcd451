/**
 * Edits of cue markup around the kept tags (`<i>`, `<b>`, `<u>` and their closes), each one
 * scan of the text: linear whatever the text holds. They replace regexes that were not —
 * `\s+((?:<\/?[ibu]>)*)$` backtracks through a run of spaces once per space, so one cue line
 * of 200,000 no-break spaces burnt a Worker's whole CPU budget and stalled the farm — and a
 * loop of `<([ibu])>(\s*)<\/\1>` replacements that ran once per level of nesting.
 */

/** 3 for `<i>` at `at`, 4 for `</i>` (likewise b and u), otherwise 0. */
export function keptTagLength(text: string, at: number): number {
  if (text[at] !== "<") return 0;
  const slash = text[at + 1] === "/" ? 1 : 0;
  const name = text[at + 1 + slash];
  if ((name === "i" || name === "b" || name === "u") && text[at + 2 + slash] === ">") return 3 + slash;
  return 0;
}

/**
 * Spaces at a line's edges go, also when tags stand between them and the edge: the spaces
 * after the tags that start the line, then those before the tags that end it.
 */
export function trimAroundTags(line: string): string {
  let head = 0;
  for (let length = keptTagLength(line, 0); length > 0; length = keptTagLength(line, head)) head += length;
  const trimmed = line.slice(0, head) + line.slice(head).trimStart();
  let tail = trimmed.length;
  for (;;) {
    // `</i>` and `<i>` cannot both end at `tail`: the character before `i` differs.
    if (tail >= 4 && keptTagLength(trimmed, tail - 4) === 4) tail -= 4;
    else if (tail >= 3 && keptTagLength(trimmed, tail - 3) === 3) tail -= 3;
    else break;
  }
  return trimmed.slice(0, tail).trimEnd() + trimmed.slice(tail);
}

type Piece = { open: string } | { close: string } | { text: string; blank: boolean };

/**
 * Pairs around nothing but white space go, the white space stays (`a<i> </i>b` → `a b`),
 * until none is left (`<i><b></b></i>` → ``): what replacing `<([ibu])>(\s*)<\/\1>` with the
 * white space again and again until nothing changes gives, in one pass with a stack. For
 * markup whose text is escaped (every `<` starts a tag), as cue text is.
 */
export function dropEmptyPairs(markup: string): string {
  const pieces: Piece[] = [];
  const pushText = (text: string) => {
    if (text === "") return;
    const last = pieces.at(-1);
    const blank = text.trim() === "";
    if (last !== undefined && "text" in last) {
      last.text += text;
      last.blank &&= blank;
    } else {
      pieces.push({ text, blank });
    }
  };
  let at = 0;
  let from = 0;
  for (;;) {
    const lt = markup.indexOf("<", from);
    if (lt < 0) break;
    const length = keptTagLength(markup, lt);
    if (length === 0) {
      from = lt + 1;
      continue;
    }
    pushText(markup.slice(at, lt));
    at = from = lt + length;
    const name = markup[lt + length - 2] as string;
    if (length === 3) {
      pieces.push({ open: name });
      continue;
    }
    const last = pieces.at(-1);
    const space = last !== undefined && "text" in last && last.blank ? last : undefined;
    const opener = pieces.at(space ? -2 : -1);
    if (opener !== undefined && "open" in opener && opener.open === name) {
      pieces.length -= space ? 2 : 1;
      pushText(space?.text ?? "");
    } else {
      pieces.push({ close: name });
    }
  }
  pushText(markup.slice(at));
  return pieces.map((p) => ("text" in p ? p.text : "open" in p ? `<${p.open}>` : `</${p.close}>`)).join("");
}
