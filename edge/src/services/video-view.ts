import { getTableColumns } from "drizzle-orm";
import { videos } from "../../../shared/db/schema.ts";
import { type TrackRow, toSubtitleTrack } from "./subtitle-view.ts";

/**
 * The columns a video's view is made of: all but its search documents, which triggers write,
 * nothing shows, and which would weigh down every catalog row.
 */
const {
  titleTsv: _title,
  descriptionTsv: _description,
  searchConfig: _config,
  ...columns
} = getTableColumns(videos);
export const videoColumns = columns;

export type VideoRow = Omit<typeof videos.$inferSelect, "titleTsv" | "descriptionTsv" | "searchConfig">;

export interface RenditionView {
  height: number;
  width: number;
  bandwidth: number;
  codecs: string;
}

/** The API shape of a video (see VideoSchema in shared/api/videos.ts). */
export function toVideo(row: VideoRow, renditions: RenditionView[] = [], subtitles: TrackRow[] = []) {
  return {
    id: row.id,
    ownerId: row.ownerId,
    title: row.title,
    description: row.description,
    visibility: row.visibility,
    language: row.language,
    translateTo: row.translateTo,
    autoCaptions: row.autoCaptions,
    status: row.status,
    progress: row.progress,
    playable: isPlayable(row),
    playableAt: isPlayable(row) ? (row.media?.playableAt ?? isoOrNull(row.readyAt)) : null,
    durationMs: row.durationMs,
    renditions,
    subtitles: subtitles.map(toSubtitleTrack),
    error: row.errorCode ? { code: row.errorCode, message: row.errorMessage ?? "" } : null,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

export type Video = ReturnType<typeof toVideo>;

/** Published media exist and the video is on its way to ready or there: its manifests play. */
export function isPlayable(row: Pick<VideoRow, "status" | "media" | "storagePrefix">): boolean {
  return (row.status === "processing" || row.status === "ready") && !!row.media && !!row.storagePrefix;
}

const isoOrNull = (value: Date | string | null) => (value ? new Date(value).toISOString() : null);
