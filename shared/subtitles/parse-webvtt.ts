/**
 * WebVTT (https://www.w3.org/TR/webvtt1/): the `WEBVTT` header and its metadata lines, then
 * blocks separated by blank lines — NOTE comments, STYLE and REGION blocks (skipped), and
 * cues: an optional identifier, the timing line (cue settings ignored), the text. As in the
 * spec's parser, a line with `-->` inside a cue's text starts the next cue.
 */
import type { Cue } from "./cue.ts";
import { SubtitleParseError } from "./subtitle-error.ts";
import { looksLikeTimingLine, parseTimingLine } from "./timing-line.ts";

const EXAMPLE = 'a cue timing line such as "00:00:01.000 --> 00:00:04.000"';

/** `lines[first]` is the WEBVTT header line. Cue text is returned raw. */
export function parseWebVttLines(lines: string[], first: number): Cue[] {
  const cues: Cue[] = [];
  const blank = (i: number) => i >= lines.length || lines[i]!.trim() === "";
  let i = first + 1;
  // Header metadata runs to the first blank line (a sloppy file may start its first cue there).
  while (!blank(i) && !looksLikeTimingLine(lines[i]!)) i++;
  while (i < lines.length) {
    if (blank(i)) {
      i++;
      continue;
    }
    const line = lines[i]!;
    if (/^(NOTE|STYLE|REGION)(\s|$)/.test(line) && !looksLikeTimingLine(line)) {
      while (!blank(i)) i++;
      continue;
    }
    if (!looksLikeTimingLine(line)) {
      // A cue identifier: its timing line must follow.
      if (blank(i + 1)) throw new SubtitleParseError(i + 1, `${EXAMPLE} after the cue identifier`, line);
      i++;
    }
    const timing = parseTimingLine(lines[i]!);
    if (!timing) throw new SubtitleParseError(i + 1, EXAMPLE, lines[i]);
    if ("error" in timing) throw new SubtitleParseError(i + 1, timing.error, lines[i]);
    const text: string[] = [];
    i++;
    while (!blank(i) && !looksLikeTimingLine(lines[i]!)) text.push(lines[i++]!);
    cues.push({ startMs: timing.startMs, endMs: timing.endMs, text: text.join("\n") });
  }
  return cues;
}
