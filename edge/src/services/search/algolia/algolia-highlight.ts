/**
 * Algolia highlights → snippet HTML: matched words in `<mark>`, everything else escaped by us.
 * The engine wraps matches in the markers the query asked for (HIGHLIGHT_OPEN/CLOSE, which
 * indexed text never holds). Whether it also HTML-escapes the value is not something its
 * documentation promises ("returned as stored"), so both are handled: when the marked text
 * is not the original but decodes to it, the engine escaped it, and the pieces are decoded
 * before being escaped once, here. Nothing from the engine reaches the page unescaped.
 */
import {
  HIGHLIGHT_CLOSE,
  HIGHLIGHT_OPEN,
  SNIPPET_ELLIPSIS,
} from "../../../../../shared/search/algolia-settings.ts";
import { decodeEntities } from "../../../../../shared/subtitles/entities.ts";

interface Piece {
  text: string;
  marked: boolean;
}

/**
 * `highlighted` is the engine's value for `original` (the whole of it, or with `fragment` a
 * snippet of it, possibly cut with SNIPPET_ELLIPSIS at either end). Without the original (the
 * edge does not fetch long texts back), references are decoded: right when the engine escapes,
 * and when it does not, only text that itself spelt out a reference (`&amp;`) reads decoded.
 */
export function highlightHtml(highlighted: string, original: string | undefined, fragment = false): string {
  let pieces = split(highlighted);
  const plain = pieces.map((p) => p.text).join("");
  if (original === undefined || !sameText(plain, original, fragment)) {
    const decoded = pieces.map((p) => ({ text: decodeEntities(p.text), marked: p.marked }));
    if (original === undefined || sameText(decoded.map((p) => p.text).join(""), original, fragment)) {
      pieces = decoded;
    }
  }
  return pieces.map((p) => (p.marked ? `<mark>${escapeHtml(p.text)}</mark>` : escapeHtml(p.text))).join("");
}

function split(value: string): Piece[] {
  const pieces: Piece[] = [];
  let marked = false;
  let text = "";
  for (const char of value) {
    if (char === HIGHLIGHT_OPEN || char === HIGHLIGHT_CLOSE) {
      if (text) pieces.push({ text, marked });
      text = "";
      marked = char === HIGHLIGHT_OPEN;
    } else {
      text += char;
    }
  }
  if (text) pieces.push({ text, marked });
  return pieces;
}

function sameText(plain: string, original: string, fragment: boolean): boolean {
  if (!fragment) return plain === original;
  const core = plain.replace(new RegExp(`^${SNIPPET_ELLIPSIS}|${SNIPPET_ELLIPSIS}$`, "g"), "");
  return original.includes(core);
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** The same five characters the Postgres provider escapes. */
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
