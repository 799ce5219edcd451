/**
 * Cue text normalisation: whatever a file or an extractor produced becomes Cue text (see
 * cue.ts) — only `<i>`, `<b>`, `<u>`, properly nested and closed, every other tag dropped
 * with its text kept (`<font>`, `<c.yellow>`, `<v Bob>`, `<ruby>`, timestamps), entities
 * decoded then `&`, `<`, `>` escaped again (so running it twice changes nothing), no blank
 * or empty lines (a blank line would end a WebVTT cue), and nothing Postgres cannot store.
 */

import { decodeEntity } from "./entities.ts";
import { dropEmptyPairs, trimAroundTags } from "./kept-tags.ts";

const KEPT_TAGS = new Set(["i", "b", "u"]);

export type Token = { text: string } | { open: string } | { close: string };

/**
 * Tags: `<name …>` / `</name>` with a letter first, WebVTT timestamps `<00:01.000>`, on one
 * line. A `<` that starts none of these is text ("a < b"), as are entity-looking strings
 * that are not entities.
 */
const TOKEN =
  /<(\/?)([A-Za-z][A-Za-z0-9]*)((?:[.\s/][^<>\n]*)?)>|<\d+(?::\d+){1,2}\.\d+>|&(#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-z]+);|\{\\[^{}\n]*\}/g;

/** Normalises cue text to the Cue text rule; returns "" when nothing visible is left. */
export function sanitizeCueText(text: string): string {
  return render(balance(tokenize(text)));
}

function tokenize(raw: string): Token[] {
  const input = raw.replace(/\r\n?|[\u2028\u2029]/g, "\n");
  const tokens: Token[] = [];
  let last = 0;
  for (const match of input.matchAll(TOKEN)) {
    if (match.index > last) tokens.push({ text: input.slice(last, match.index) });
    last = match.index + match[0].length;
    const [whole, slash, name, , entity] = match;
    if (name !== undefined) {
      const tag = name.toLowerCase();
      if (tag === "br") tokens.push({ text: "\n" });
      else if (KEPT_TAGS.has(tag)) tokens.push(slash ? { close: tag } : { open: tag });
      // Any other tag (font, c, v, lang, ruby, rt, span…) goes; its text stays.
    } else if (entity !== undefined) {
      tokens.push({ text: decodeEntity(entity) ?? whole });
    } else if (whole.startsWith("{")) {
      tokens.push(...overrideBlock(whole));
    }
    // WebVTT karaoke timestamps: dropped.
  }
  if (last < input.length) tokens.push({ text: input.slice(last) });
  return tokens;
}

/**
 * An ASS/SSA override block as found in SRT files (`{\i1}`, `{\an8}`, `{\b1\i1}`): italic,
 * bold and underline toggles become tags, `\r` (reset) closes them, the rest goes.
 */
export function overrideBlock(block: string): Token[] {
  const tokens: Token[] = [];
  // What comes before the first backslash is a comment (`{note\i1}`), not an override.
  for (const override of block.slice(1, -1).split("\\").slice(1)) {
    const toggle = /^([ibu])(\d*)\s*$/.exec(override);
    if (toggle) {
      const [, tag, value] = toggle as unknown as [string, string, string];
      // `\b` takes a weight too (`\b700`); 0 and no value mean off.
      const on = value !== "" && value !== "0" && (tag !== "b" || value === "1" || Number(value) >= 600);
      tokens.push(on ? { open: tag } : { close: tag });
    } else if (override.startsWith("r")) {
      // `\r` or `\rStyleName`: back to the style's defaults.
      tokens.push({ close: "i" }, { close: "b" }, { close: "u" });
    }
  }
  return tokens;
}

/**
 * Proper nesting: a close tag closes whatever was opened inside it and re-opens those after
 * it (`<i>a<b>b</i>c</b>` → `<i>a<b>b</b></i><b>c</b>`); closes without an open go; a tag
 * already open is not opened again (ASS toggles repeat); everything open is closed at the end.
 */
function balance(tokens: Token[]): Token[] {
  const out: Token[] = [];
  const open: string[] = [];
  for (const token of tokens) {
    if ("open" in token) {
      if (open.includes(token.open)) continue;
      open.push(token.open);
      out.push(token);
    } else if ("close" in token) {
      const at = open.lastIndexOf(token.close);
      if (at < 0) continue;
      const reopen = open.splice(at + 1);
      open.pop();
      for (const tag of [...reopen].reverse()) out.push({ close: tag });
      out.push(token);
      for (const tag of reopen) {
        open.push(tag);
        out.push({ open: tag });
      }
    } else {
      out.push(token);
    }
  }
  for (const tag of open.reverse()) out.push({ close: tag });
  return out;
}

function render(tokens: Token[]): string {
  const markup = tokens
    .map((t) => ("text" in t ? escapeText(t.text) : "open" in t ? `<${t.open}>` : `</${t.close}>`))
    .join("");
  // Lines with nothing visible (blank, or only tags) join their neighbour, keeping the tags.
  const lines: string[] = [];
  let carried = "";
  for (const line of markup.split("\n")) {
    if (visible(line) === "") {
      if (lines.length > 0) lines[lines.length - 1] += line.trim();
      else carried += line.trim();
      continue;
    }
    lines.push(trimAroundTags(carried + line));
    carried = "";
  }
  const text = lines.join("\n");
  // Empty pairs left by dropped text (`<i></i>`) go too.
  const kept = dropEmptyPairs(text);
  return visible(kept) === "" ? "" : kept.trim();
}

const visible = (markup: string) => markup.replace(/<\/?[ibu]>/g, "").trim();

function escapeText(text: string): string {
  return (
    text
      .replace(/\t/g, " ")
      // Control characters show as nothing (and NUL cannot be stored); lone surrogates as U+FFFD.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, "")
      .replace(/\p{Cs}/gu, "\ufffd")
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
  );
}
