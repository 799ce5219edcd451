/**
 * Cues in, TranslateText requests out, and back. Each cue travels as its own block element,
 * `<p id="c12">…</p>`: block elements are translated as separate segments, so words do not
 * wander from one cue into the next, and the ids let the answer be checked to hold exactly
 * the cues that were sent, in order. A request's Text stays within TranslateText's limit,
 * counted in UTF-8 bytes as the service counts it.
 */
import { stripTags } from "../../../shared/subtitles/plain-text.ts";
import { cueToHtml, htmlToCue } from "./translate-markup.ts";

/** TranslateText refuses Text over 10,000 bytes (UTF-8). */
export const TRANSLATE_TEXT_MAX_BYTES = 10_000;

export interface Batch {
  /** Indexes of the cues in this request, ascending. */
  cues: number[];
  /** The request's Text. */
  text: string;
}

/** A cue that alone is over the limit: no request can carry it with its boundary kept. */
export class CueTooLongError extends Error {
  override name = "CueTooLongError";
  constructor(
    readonly cue: number,
    readonly bytes: number,
  ) {
    super(`cue ${cue + 1} is ${bytes} bytes once marked up; a translation request takes at most the limit`);
  }
}

export function cueElement(index: number, cueText: string): string {
  return `<p id="c${index}">${cueToHtml(cueText)}</p>`;
}

const bytes = (text: string) => Buffer.byteLength(text, "utf8");

/**
 * Whether a cue has anything to translate. Empty cues (or only tags and spaces) are not sent:
 * they are their own translation, and a service may drop an empty element from its answer,
 * which would send the whole batch again one cue at a time.
 */
export function hasWords(cueText: string): boolean {
  return stripTags(cueToHtml(cueText)).trim() !== "";
}

/**
 * Packs the cues that have words, in order, into as few requests as fit under `maxBytes`
 * each; the others are in no batch.
 */
export function planBatches(cueTexts: string[], maxBytes = TRANSLATE_TEXT_MAX_BYTES): Batch[] {
  const batches: Batch[] = [];
  let current: Batch = { cues: [], text: "" };
  let size = 0;
  cueTexts.forEach((cueText, index) => {
    if (!hasWords(cueText)) return;
    const element = cueElement(index, cueText);
    const length = bytes(element);
    if (length > maxBytes) throw new CueTooLongError(index, length);
    if (size + length > maxBytes) {
      batches.push(current);
      current = { cues: [], text: "" };
      size = 0;
    }
    current.cues.push(index);
    current.text += element;
    size += length;
  });
  if (current.cues.length > 0) batches.push(current);
  return batches;
}

/**
 * The translated cue texts of a reply, in the batch's order, or undefined when the reply
 * does not hold exactly the batch's cues (one missing, merged, duplicated, reordered, or
 * text outside every cue's element).
 */
export function readReply(batch: Batch, reply: string): string[] | undefined {
  const texts: string[] = [];
  let last = 0;
  for (const element of elements(reply)) {
    if (reply.slice(last, element.start).trim() !== "") return undefined;
    if (element.id !== batch.cues[texts.length]) return undefined;
    texts.push(htmlToCue(element.content));
    last = element.end;
  }
  if (reply.slice(last).trim() !== "" || texts.length !== batch.cues.length) return undefined;
  return texts;
}

const OPEN_ELEMENT = /<p\s+id\s*=\s*["']?c(\d+)["']?\s*>/iy;
const CLOSE_ELEMENT = /<\/p\s*>/gi;

/**
 * The `<p id="cN">…</p>` elements of a reply, in order, each closed by the first `</p>` after
 * it — what matching `<p …>([\s\S]*?)<\/p\s*>` globally gives, found in one pass: that regex
 * searched the whole rest of the reply for a close from every unclosed `<p`.
 */
function* elements(reply: string): Generator<{ id: number; content: string; start: number; end: number }> {
  let at = 0;
  for (;;) {
    const lt = reply.indexOf("<", at);
    if (lt < 0) return;
    OPEN_ELEMENT.lastIndex = lt;
    const open = OPEN_ELEMENT.exec(reply);
    if (!open) {
      at = lt + 1;
      continue;
    }
    const contentStart = lt + open[0].length;
    CLOSE_ELEMENT.lastIndex = contentStart;
    const close = CLOSE_ELEMENT.exec(reply);
    // No close after this element means none after any later one either.
    if (!close) return;
    yield {
      id: Number(open[1]),
      content: reply.slice(contentStart, close.index),
      start: lt,
      end: close.index + close[0].length,
    };
    at = close.index + close[0].length;
  }
}

/**
 * A one-cue request's reply: its element's content, or, if the element itself was lost, the
 * whole reply — with one cue sent there is no boundary to lose.
 */
export function readSingleReply(reply: string): string {
  const match = /^\s*<p\s+id\s*=\s*["']?c\d+["']?\s*>([\s\S]*)<\/p\s*>\s*$/i.exec(reply);
  return htmlToCue(match ? (match[1] ?? "") : reply);
}
