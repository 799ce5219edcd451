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
  const element = /<p\s+id\s*=\s*["']?c(\d+)["']?\s*>([\s\S]*?)<\/p\s*>/gi;
  const texts: string[] = [];
  let last = 0;
  for (const match of reply.matchAll(element)) {
    if (reply.slice(last, match.index).trim() !== "") return undefined;
    if (Number(match[1]) !== batch.cues[texts.length]) return undefined;
    texts.push(htmlToCue(match[2] ?? ""));
    last = match.index + match[0].length;
  }
  if (reply.slice(last).trim() !== "" || texts.length !== batch.cues.length) return undefined;
  return texts;
}

/**
 * A one-cue request's reply: its element's content, or, if the element itself was lost, the
 * whole reply — with one cue sent there is no boundary to lose.
 */
export function readSingleReply(reply: string): string {
  const match = /^\s*<p\s+id\s*=\s*["']?c\d+["']?\s*>([\s\S]*)<\/p\s*>\s*$/i.exec(reply);
  return htmlToCue(match ? (match[1] ?? "") : reply);
}
