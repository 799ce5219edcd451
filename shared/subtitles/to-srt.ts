import type { Cue } from "./cue.ts";

/** `hh:mm:ss,mmm`, SubRip's timestamp form. */
export function srtTimestamp(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor(total / 60_000) % 60;
  const s = Math.floor(total / 1000) % 60;
  return `${pad(h)}:${pad(m)}:${pad(s)},${pad(total % 1000, 3)}`;
}

/**
 * A SubRip file of the cues, numbered from 1. SubRip is not HTML: players show `&amp;`
 * literally, so the Cue text's entities are written as the characters they stand for; the
 * `<i>`/`<b>`/`<u>` tags stay (every SubRip player reads them).
 */
export function toSrt(cues: Cue[]): string {
  return cues
    .map((cue, i) => {
      const text = cue.text
        .replace(/\n{2,}/g, "\n")
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&amp;/g, "&");
      return `${i + 1}\n${srtTimestamp(cue.startMs)} --> ${srtTimestamp(cue.endMs)}\n${text}\n`;
    })
    .join("\n");
}
