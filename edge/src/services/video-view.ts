import type { videos } from "../../../shared/db/schema.ts";

export type VideoRow = typeof videos.$inferSelect;

/** The API shape of a video (see VideoSchema in shared/api/videos.ts). */
export function toVideo(row: VideoRow) {
  return {
    id: row.id,
    ownerId: row.ownerId,
    title: row.title,
    description: row.description,
    visibility: row.visibility,
    language: row.language,
    translateTo: row.translateTo,
    status: row.status,
    progress: row.progress,
    durationMs: row.durationMs,
    // Renditions and subtitle tracks are recorded by the farm (transcoding issue).
    renditions: [] as { height: number; width: number; bandwidth: number; codecs: string }[],
    subtitles: [] as { lang: string; label: string }[],
    error: row.errorCode ? { code: row.errorCode, message: row.errorMessage ?? "" } : null,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

export type Video = ReturnType<typeof toVideo>;
