/**
 * `/watch/:id` (edge/src/pages/watch-page.tsx, script edge/web/pages/watch.ts): the player,
 * its control bar and the video's details, and the `#page-data` the script starts from.
 * The seek preview's ids are in storyboard-contract.ts.
 */
import { defineIds } from "./element-ids.ts";

export const watchIds = defineIds({
  video: "video",
  message: "message",
  processingNote: "processing-note",
  bar: "bar",
  seek: "seek",
  play: "play",
  time: "time",
  quality: "quality",
  audioLabel: "audio-label",
  audio: "audio",
  subtitlesLabel: "subtitles-label",
  subtitles: "subtitles",
  fullscreen: "fullscreen",
  title: "title",
  owner: "owner",
  description: "description",
  ownerLinks: "owner-links",
});

/** What the watch page serialises into `#page-data`. */
export interface WatchPageData {
  videoId: string;
}
