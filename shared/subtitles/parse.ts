/**
 * A subtitle file's bytes → its cues: the encoding and the format (WebVTT or SubRip) are
 * recognised from the content, never from a file name or a content type. Cues come back
 * sorted by start time (overlaps kept: two speakers at once are normal), with their text
 * normalised to the Cue text rule; cues left without visible text are dropped.
 */
import type { Cue } from "./cue.ts";
import { sanitizeCueText } from "./cue-text.ts";
import { decodeSubtitleText } from "./decode-text.ts";
import { parseSrtLines } from "./parse-srt.ts";
import { parseWebVttLines } from "./parse-webvtt.ts";
import { SubtitleParseError } from "./subtitle-error.ts";
import { parseTimingLine } from "./timing-line.ts";

export type SubtitleFormat = "vtt" | "srt";

export interface ParsedSubtitles {
  format: SubtitleFormat;
  cues: Cue[];
}

/** @throws SubtitleParseError naming the first line that is not what its place needs. */
export function parseSubtitles(bytes: Uint8Array): ParsedSubtitles {
  return parseSubtitleText(decodeSubtitleText(bytes));
}

/** The same for text already decoded (a leading BOM is ignored). */
export function parseSubtitleText(text: string): ParsedSubtitles {
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
  const first = lines.findIndex((line) => line.trim() !== "");
  if (first < 0) throw new SubtitleParseError(1, 'a "WEBVTT" header or an SRT cue, but the file is empty');
  const head = lines[first]!;
  let format: SubtitleFormat;
  let raw: Cue[];
  if (/^WEBVTT(\s|$)/.test(head)) {
    format = "vtt";
    raw = parseWebVttLines(lines, first);
  } else if (/^\s*\d+\s*$/.test(head) || parseTimingLine(head)) {
    format = "srt";
    raw = parseSrtLines(lines, first);
  } else {
    throw new SubtitleParseError(
      first + 1,
      'a "WEBVTT" header (WebVTT) or a cue number followed by a timing line (SRT)',
      head,
    );
  }
  const cues = raw
    .map((cue) => ({ ...cue, text: sanitizeCueText(cue.text) }))
    .filter((cue) => cue.text !== "")
    // Array#sort is stable: cues starting together keep the file's order.
    .sort((a, b) => a.startMs - b.startMs);
  return { format, cues };
}
