/**
 * The subtitle service's refusals, in one place: language parameters, who may change a
 * video, what makes an uploaded file unusable, and the errors for missing videos and tracks.
 */
import { ApiError } from "../../../shared/errors/api-error.ts";
import type { Cue } from "../../../shared/subtitles/cue.ts";
import { languageFromTag } from "../../../shared/subtitles/languages.ts";
import { parseSubtitles } from "../../../shared/subtitles/parse.ts";
import { SubtitleParseError } from "../../../shared/subtitles/subtitle-error.ts";
import { vttTimestamp } from "../../../shared/subtitles/to-webvtt.ts";
import { trimCues } from "../../../shared/subtitles/trim-cues.ts";
import type { Origin, TargetRow } from "./subtitle-queries.ts";
import { canChange, canSee, type Viewer } from "./video-access.ts";

/**
 * `:lang` → canonical BCP 47 (`pt_br` → `pt-BR`, `eng` → `en`). `und` names the tracks whose
 * language is unknown (embedded streams that did not say): readable and deletable, but an
 * upload must say what language it is.
 */
export function languageParam(raw: string, allowUnknown: boolean): string | null {
  if (raw.toLowerCase() === "und") {
    if (allowUnknown) return null;
    throw invalidLanguage("name the file's language: `und` (unknown) only reads or deletes extracted tracks");
  }
  const lang = languageFromTag(raw);
  if (!lang)
    throw invalidLanguage(`${JSON.stringify(raw)} is not a known BCP 47 language tag (e.g. en, pt-BR)`);
  return lang;
}

function invalidLanguage(message: string): ApiError {
  return new ApiError("validation_failed", `invalid param: lang: ${message}`, {
    details: [{ path: "lang", message }],
  });
}

/** Translation targets, canonical and each once. */
export function targetLanguages(to: string[]): string[] {
  const targets = to.map((tag, i) => {
    const lang = languageFromTag(tag);
    if (!lang) {
      const message = `${JSON.stringify(tag)} is not a known BCP 47 language tag`;
      throw new ApiError("validation_failed", `invalid body: to.${i}: ${message}`, {
        details: [{ path: `to.${i}`, message }],
      });
    }
    return lang;
  });
  return [...new Set(targets)];
}

/** 404 where the caller may not see the video (never 403: ids of private videos leak nothing). */
export function mustChange(target: TargetRow | undefined, viewer: Viewer): asserts target is TargetRow {
  if (!target || !canSee(target, viewer)) throw videoNotFound();
  if (!canChange(target, viewer)) {
    throw new ApiError("forbidden", "only the owner or an admin may change this video's subtitles");
  }
}

/** The cues of an uploaded file, trimmed to the video; 422 `subtitle_invalid` when there are none to keep. */
export function cuesOfFile(bytes: Uint8Array, durationMs: number | null): Cue[] {
  let cues: Cue[];
  try {
    cues = parseSubtitles(bytes).cues;
  } catch (err) {
    if (!(err instanceof SubtitleParseError)) throw err;
    throw new ApiError("subtitle_invalid", `not a valid WebVTT or SRT file: ${err.message}`, {
      details: { line: err.line, expected: err.expected },
    });
  }
  if (cues.length === 0) throw new ApiError("subtitle_invalid", "the file holds no cue with text");
  const kept = trimCues(cues, durationMs);
  if (kept.length === 0) {
    throw new ApiError(
      "subtitle_invalid",
      `every cue starts after the video's end (${vttTimestamp(durationMs ?? 0)}): is it the right file?`,
    );
  }
  return kept;
}

/** 413 too_many_cues past SUBTITLE_MAX_CUES. */
export function checkCueCount(count: number, max: number): void {
  if (count > max) {
    throw new ApiError(
      "too_many_cues",
      `the track would hold ${count} cues; a track holds at most ${max} (SUBTITLE_MAX_CUES)`,
      { details: { cues: count, max } },
    );
  }
}

/** 409 too_many_tracks: the video has SUBTITLE_MAX_TRACKS tracks (or would have more). */
export function tooManyTracks(max: number, adding = 1): ApiError {
  const what = adding === 1 ? "another track" : `${adding} more tracks`;
  return new ApiError(
    "too_many_tracks",
    `the video may have at most ${max} subtitle tracks (SUBTITLE_MAX_TRACKS), so it has no room for ${what}: delete one first`,
    { details: { max } },
  );
}

export function videoNotFound(): ApiError {
  return new ApiError("not_found", "no such video");
}

export function trackNotFound(lang: string | null, origin: Origin | undefined): ApiError {
  const which = `${origin ? `${origin} ` : ""}subtitle track in ${lang ?? "an unknown language (und)"}`;
  return new ApiError("not_found", `the video has no ${which}`);
}
