/** The subtitle library shared by edge and farm: pure functions, no Node or Workers APIs. */

export { assTextToCueText } from "./ass-text.ts";
export type { Cue } from "./cue.ts";
export { sanitizeCueText } from "./cue-text.ts";
export { decodeSubtitleText } from "./decode-text.ts";
export { languageFromTag, languageLabel, machineLabel } from "./languages.ts";
export { type ParsedSubtitles, parseSubtitles, parseSubtitleText, type SubtitleFormat } from "./parse.ts";
export { SubtitleParseError } from "./subtitle-error.ts";
export { MAX_CUE_MS } from "./timing-line.ts";
export { srtTimestamp, toSrt } from "./to-srt.ts";
export { toWebVtt, vttTimestamp } from "./to-webvtt.ts";
export { trimCues } from "./trim-cues.ts";
