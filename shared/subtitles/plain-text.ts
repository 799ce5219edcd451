/**
 * Markup to plain text in one pass each, linear in the input whatever it holds. These are
 * scans on purpose: the regexes they replace (`<[^>]*>`, `\s*\n\s*`) go back over the
 * rest of the text from every `<` or every space, which is quadratic on a line of 200,000
 * `<` or no-break spaces — enough to burn a Worker's CPU budget or stall the farm.
 */

/** Every `<…>` removed (as `/<[^>]*>/g` would): a `<` with no `>` after it is kept, as is the rest. */
export function stripTags(text: string): string {
  let out = "";
  let at = 0;
  for (;;) {
    const lt = text.indexOf("<", at);
    if (lt < 0) break;
    const gt = text.indexOf(">", lt + 1);
    // No `>` after this `<` means none after any later `<` either: the rest is text.
    if (gt < 0) break;
    out += text.slice(at, lt);
    at = gt + 1;
  }
  return out + text.slice(at);
}

/**
 * Lines joined with one space: every run of white space (`\s`) that holds a line feed becomes
 * one space (as replacing `\s*\n\s*` globally would); runs without one are left as they are.
 */
export function joinLines(text: string): string {
  const lines = text.split("\n");
  if (lines.length === 1) return text;
  const last = lines.length - 1;
  const kept: string[] = [];
  lines.forEach((line, index) => {
    const piece = index === 0 ? line.trimEnd() : index === last ? line.trimStart() : line.trim();
    // A blank line between two others belongs to the same run of white space.
    if (piece !== "" || index === 0 || index === last) kept.push(piece);
  });
  return kept.join(" ");
}
