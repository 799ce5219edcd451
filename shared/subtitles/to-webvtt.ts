import type { Cue } from "./cue.ts";

/** `hh:mm:ss.mmm`, the WebVTT timestamp form every player reads. */
export function vttTimestamp(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor(total / 60_000) % 60;
  const s = Math.floor(total / 1000) % 60;
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(total % 1000, 3)}`;
}

/** A WebVTT file of the cues (already WebVTT cue text); blank lines inside a cue would end it. */
export function toWebVtt(cues: Cue[]): string {
  const blocks = cues.map(
    (cue) =>
      `${vttTimestamp(cue.startMs)} --> ${vttTimestamp(cue.endMs)}\n${cue.text.replace(/\r\n?/g, "\n").replace(/\n{2,}/g, "\n")}`,
  );
  return `WEBVTT\n\n${blocks.join("\n\n")}${blocks.length ? "\n" : ""}`;
}
