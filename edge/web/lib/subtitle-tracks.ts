/** Subtitle tracks as the studio names and addresses them. */
import type { z } from "@hono/zod-openapi";
import type { CueSchema, SubtitleTrack } from "../../../shared/api/subtitles.ts";

export type { SubtitleTrack };
export type Cue = z.output<typeof CueSchema>;

export const ORIGIN_WORDS: Record<SubtitleTrack["origin"], string> = {
  embedded: "In the video file",
  uploaded: "Uploaded file",
  machine: "Machine-translated",
  auto: "Generated from speech",
};

/** `/api/v1/videos/:id/subtitles/:lang[tail]?origin=…`: one track, whichever of its language it is. */
export function trackPath(videoId: string, track: SubtitleTrack, tail = ""): string {
  const lang = encodeURIComponent(track.lang ?? "und");
  return `/api/v1/videos/${encodeURIComponent(videoId)}/subtitles/${lang}${tail}?origin=${track.origin}`;
}

/** "English", "Français (uploaded file)", "Deutsch (machine-translated)", "English (auto-generated)". */
export const trackName = (track: SubtitleTrack) =>
  `${track.label}${track.origin === "embedded" || track.origin === "auto" ? "" : ` (${ORIGIN_WORDS[track.origin].toLowerCase()})`}`;
