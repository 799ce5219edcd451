/**
 * Cue text ↔ the HTML sent to AWS Translate. TranslateText leaves HTML elements in place and
 * translates the text between them, so a cue's WebVTT markup travels as HTML: `<i>`, `<b>`,
 * `<u>` as themselves, line breaks as `<br>`, `&`, `<` and `>` as entities. Coming back, the
 * HTML is read leniently — a service may write `<br/>`, numeric entities or stray spaces
 * around tags — and turned into WebVTT cue text again, with every kept tag balanced.
 */

import { decodeEntities } from "../../../shared/subtitles/entities.ts";
import { dropEmptyPairs, keptTagLength } from "../../../shared/subtitles/kept-tags.ts";

const STYLE_TAGS = new Set(["i", "b", "u"]);

type Token = { tag: string; closing: boolean } | { text: string };

/** WebVTT cue text (the shared `Cue` contract) → an HTML fragment for the translator. */
export function cueToHtml(cueText: string): string {
  let html = "";
  for (const token of tokenize(cueText)) {
    if ("text" in token) html += escapeHtml(decodeEntities(token.text)).replace(/\r?\n/g, "<br>");
    // Classes (`<i.loud>`) and annotations go; voice, class, ruby and timestamp tags go, their text stays.
    else if (STYLE_TAGS.has(token.tag)) html += token.closing ? `</${token.tag}>` : `<${token.tag}>`;
  }
  return html;
}

/** An HTML fragment from the translator → WebVTT cue text: escaped, balanced, lines trimmed. */
export function htmlToCue(html: string): string {
  const open: string[] = [];
  let out = "";
  for (const token of tokenize(html)) {
    if ("text" in token) {
      // HTML whitespace, newlines included, is one space; only <br> breaks a line. Collapsed
      // before decoding, so a no-break space written as &nbsp; stays one.
      out += escapeVtt(decodeEntities(token.text.replace(/[ \t\n\r\f]+/g, " ")));
    } else if (token.tag === "br") {
      out += "\n";
    } else if (STYLE_TAGS.has(token.tag)) {
      out += balance(open, token.tag, token.closing);
    }
  }
  for (const tag of open.reverse()) out += `</${tag}>`;
  // A translator may leave a style around nothing (the words moved out of it): drop it.
  // Scans, not regexes, so a reply of any shape costs time linear in its length.
  const lines = dropEmptyPairs(out).split("\n").map(trimLine);
  let first = 0;
  let last = lines.length;
  while (first < last && lines[first] === "") first++;
  while (last > first && lines[last - 1] === "") last--;
  return lines.slice(first, last).join("\n");
}

/** Spaces at either end of a line, between or around its opening and closing tags, go; runs inside become one. */
function trimLine(line: string): string {
  let start = 0;
  let head = "";
  for (;;) {
    const length = keptTagLength(line, start);
    if (line[start] === " ") start++;
    else if (length === 0) break;
    else {
      head += line.slice(start, start + length);
      start += length;
    }
  }
  let end = line.length;
  const tail: string[] = [];
  for (;;) {
    const close = end - 4 >= start && keptTagLength(line, end - 4) === 4;
    const length = close ? 4 : end - 3 >= start && keptTagLength(line, end - 3) === 3 ? 3 : 0;
    if (end > start && line[end - 1] === " ") end--;
    else if (length === 0) break;
    else {
      tail.push(line.slice(end - length, end));
      end -= length;
    }
  }
  return head + line.slice(start, end).replace(/ {2,}/g, " ") + tail.reverse().join("");
}

/**
 * Opens a tag, or closes it: a closing tag that was never opened is dropped, and one closing
 * an outer tag also closes the tags still open inside it (a translator may swap their order).
 */
function balance(open: string[], tag: string, closing: boolean): string {
  if (!closing) {
    open.push(tag);
    return `<${tag}>`;
  }
  const at = open.lastIndexOf(tag);
  if (at < 0) return "";
  const closed = open.splice(at).reverse();
  return closed.map((t) => `</${t}>`).join("");
}

// A tag is `<name…>` or `</name…>`, or a WebVTT timestamp tag; any other `<` is text.
const TAG = /^<(\/?)([a-zA-Z][a-zA-Z0-9]*)[^<>]*>|^<\d[\d:.]*>/;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let text = "";
  let i = 0;
  while (i < source.length) {
    const lt = source.indexOf("<", i);
    if (lt < 0) {
      text += source.slice(i);
      break;
    }
    text += source.slice(i, lt);
    const match = TAG.exec(source.slice(lt));
    if (!match) {
      text += "<";
      i = lt + 1;
      continue;
    }
    if (text) tokens.push({ text });
    text = "";
    tokens.push({ tag: (match[2] ?? "").toLowerCase(), closing: match[1] === "/" });
    i = lt + match[0].length;
  }
  if (text) tokens.push({ text });
  return tokens;
}

const escapeHtml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
// The same three escapes are exactly what the Cue contract allows in WebVTT cue text.
const escapeVtt = escapeHtml;
