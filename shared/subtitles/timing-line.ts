/**
 * Cue timing lines of both formats, read leniently where files in the wild differ from the
 * specs but the meaning is clear: hours optional and of any width, `.` or `,` before 1–3
 * fraction digits (`00:01.5` is 1.5 s), spaces around `-->` optional; WebVTT cue settings
 * and SRT's `X1:… Y1:…` coordinates after the end time are ignored.
 */

const TIMESTAMP = String.raw`(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?`;
const TIMING = new RegExp(String.raw`^\s*${TIMESTAMP}\s*-->\s*${TIMESTAMP}(?:\s.*)?$`);

/** Postgres `integer`, where cue times are stored (about 596 hours). */
export const MAX_CUE_MS = 2_147_483_647;

export type Timing = { startMs: number; endMs: number } | { error: string };

export const looksLikeTimingLine = (line: string) => line.includes("-->");

/** `undefined` when the line is no timing line at all; an error when it is a broken one. */
export function parseTimingLine(line: string): Timing | undefined {
  const match = TIMING.exec(line);
  if (!match) return undefined;
  const start = toMs(match.slice(1, 5));
  const end = toMs(match.slice(5, 9));
  if (start === undefined || end === undefined) return { error: "minutes and seconds below 60" };
  if (start > MAX_CUE_MS || end > MAX_CUE_MS) return { error: "times below 596 hours" };
  if (end < start) return { error: "an end time that is not before the start time" };
  return { startMs: start, endMs: end };
}

function toMs([hours, minutes, seconds, fraction]: (string | undefined)[]): number | undefined {
  const m = Number(minutes);
  const s = Number(seconds);
  if (s > 59 || m > 59) return undefined;
  const ms = fraction === undefined ? 0 : Number(fraction.padEnd(3, "0"));
  return ((Number(hours ?? 0) * 60 + m) * 60 + s) * 1000 + ms;
}
