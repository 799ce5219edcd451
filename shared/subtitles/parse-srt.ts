/**
 * SubRip: blocks of a cue number, a timing line (`00:00:01,000 --> 00:00:04,000`) and the
 * text, separated by blank lines. A missing number is tolerated, and so is a missing blank
 * line before the next cue when its number and timing line make it unmistakable.
 */
import type { Cue } from "./cue.ts";
import { SubtitleParseError } from "./subtitle-error.ts";
import { parseTimingLine } from "./timing-line.ts";

const EXAMPLE = 'a timing line such as "00:00:01,000 --> 00:00:04,000"';
const isNumber = (line: string | undefined) => line !== undefined && /^\s*\d+\s*$/.test(line);

/** `lines[first]` is the first non-blank line. Cue text is returned raw. */
export function parseSrtLines(lines: string[], first: number): Cue[] {
  const cues: Cue[] = [];
  const blank = (i: number) => i >= lines.length || lines[i]!.trim() === "";
  const startsCue = (i: number) =>
    parseTimingLine(lines[i]!) !== undefined ||
    (isNumber(lines[i]) && parseTimingLine(lines[i + 1] ?? "") !== undefined);
  let i = first;
  while (i < lines.length) {
    if (blank(i)) {
      i++;
      continue;
    }
    const numbered = isNumber(lines[i]);
    if (numbered) i++;
    const timing = parseTimingLine(lines[i] ?? "");
    if (!timing) {
      const expected = numbered ? `${EXAMPLE} after the cue number` : `a cue number or ${EXAMPLE}`;
      throw new SubtitleParseError(i + 1, expected, lines[i] ?? "");
    }
    if ("error" in timing) throw new SubtitleParseError(i + 1, timing.error, lines[i]);
    const text: string[] = [];
    i++;
    while (!blank(i) && !startsCue(i)) text.push(lines[i++]!);
    cues.push({ startMs: timing.startMs, endMs: timing.endMs, text: text.join("\n") });
  }
  return cues;
}
