/**
 * Timed words → readable cues, by the rules subtitlers use: a cue is at most MAX_CUE_MS long
 * and at most 2 lines of MAX_LINE_CHARS; a new cue starts after a sentence end, at a pause of
 * PAUSE_MS or more, and when the speaker changes (when the transcript labels speakers); every
 * cue stays on screen at least MIN_CUE_MS and no two overlap. Pure: the same words always
 * give the same cues.
 */
import type { Cue } from "../../../shared/subtitles/cue.ts";
import type { TimedWord } from "./transcript.ts";

export const MAX_CUE_MS = 7000;
export const MAX_LINE_CHARS = 42;
export const MAX_LINES = 2;
export const PAUSE_MS = 700;
export const MIN_CUE_MS = 1000;

interface Group {
  words: TimedWord[];
  startMs: number;
  endMs: number;
}

/** The cues for these words (in time order); `durationMs` caps the last one when known. */
export function cuesFromWords(words: TimedWord[], durationMs?: number): Cue[] {
  const groups = group(words);
  const merged = mergeShort(groups);
  return place(merged, durationMs).filter((cue) => cue.text !== "");
}

/** Splits the words where a rule says a new cue starts. */
function group(words: TimedWord[]): Group[] {
  const groups: Group[] = [];
  let current: Group | undefined;
  for (const word of words) {
    const last = current?.words.at(-1);
    const breakHere =
      !current ||
      !last ||
      last.sentenceEnd ||
      word.startMs - last.endMs >= PAUSE_MS ||
      (word.speaker !== undefined && last.speaker !== undefined && word.speaker !== last.speaker) ||
      word.endMs - current.startMs > MAX_CUE_MS ||
      !wrap([...current.words, word].map((w) => w.text));
    if (breakHere || !current) {
      current = { words: [word], startMs: word.startMs, endMs: word.endMs };
      groups.push(current);
    } else {
      current.words.push(word);
      current.endMs = Math.max(current.endMs, word.endMs);
    }
  }
  return groups;
}

/**
 * A cue shorter than MIN_CUE_MS whose next cue starts before it could end joins that cue when
 * the result still keeps the length rules and no pause or speaker change lies between: "Yes."
 * then "I know." reads better as one cue than as a flash.
 */
function mergeShort(groups: Group[]): Group[] {
  const out: Group[] = [];
  for (const g of groups) {
    const prev = out.at(-1);
    const prevLast = prev?.words.at(-1);
    const first = g.words[0];
    if (
      prev &&
      prevLast &&
      first &&
      prev.endMs - prev.startMs < MIN_CUE_MS &&
      g.startMs < prev.startMs + MIN_CUE_MS &&
      g.startMs - prev.endMs < PAUSE_MS &&
      (first.speaker === undefined || prevLast.speaker === undefined || first.speaker === prevLast.speaker) &&
      g.endMs - prev.startMs <= MAX_CUE_MS &&
      wrap([...prev.words, ...g.words].map((w) => w.text))
    ) {
      prev.words.push(...g.words);
      prev.endMs = Math.max(prev.endMs, g.endMs);
    } else {
      out.push({ ...g, words: [...g.words] });
    }
  }
  return out;
}

/** Times each cue: at least MIN_CUE_MS on screen, never overlapping the next (which waits). */
function place(groups: Group[], durationMs: number | undefined): Cue[] {
  const cues: Cue[] = [];
  let floor = 0; // the previous cue's end: no cue starts before it
  for (const [i, g] of groups.entries()) {
    const startMs = Math.max(g.startMs, floor);
    let endMs = Math.max(g.endMs, startMs + MIN_CUE_MS);
    // Lingering up to the next cue's own start is free; past it only for the minimum.
    const next = groups[i + 1];
    if (next && endMs > next.startMs) endMs = Math.max(next.startMs, startMs + MIN_CUE_MS);
    endMs = Math.min(endMs, startMs + MAX_CUE_MS);
    if (durationMs !== undefined && endMs > durationMs) endMs = Math.max(durationMs, startMs + 1);
    const lines = wrap(g.words.map((w) => w.text)) ?? [g.words.map((w) => w.text).join(" ")];
    cues.push({ startMs, endMs, text: lines.map(escapeText).join("\n") });
    floor = endMs;
  }
  return cues;
}

/**
 * The words as at most MAX_LINES lines of at most MAX_LINE_CHARS, the break where the lines
 * are most even; undefined when they do not fit. A single word longer than a line fits alone.
 */
export function wrap(words: string[]): string[] | undefined {
  const one = words.join(" ");
  if (one.length <= MAX_LINE_CHARS || words.length === 1) return [one];
  let best: string[] | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (let cut = 1; cut < words.length; cut++) {
    const top = words.slice(0, cut).join(" ");
    const bottom = words.slice(cut).join(" ");
    if (top.length > MAX_LINE_CHARS || bottom.length > MAX_LINE_CHARS) continue;
    const score = Math.abs(top.length - bottom.length);
    if (score < bestScore) {
      best = [top, bottom];
      bestScore = score;
    }
  }
  return best;
}

/** Transcribed words are plain text; WebVTT cue text escapes `&`, `<` and `>`. */
const escapeText = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
