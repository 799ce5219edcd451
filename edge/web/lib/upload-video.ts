/** The video an upload goes into, as the upload page reads it from the API. */
import { ApiFailure, api } from "./api.ts";

export interface Video {
  id: string;
  title: string;
  status: "awaiting_upload" | "uploading" | "processing" | "ready" | "failed";
  progress: number;
  /** Watchable already while processing (its first, smallest rendition is published). */
  playable?: boolean;
  error: { code: string; message: string } | null;
}

export const videoPath = (id: string) => `/api/v1/videos/${encodeURIComponent(id)}`;
export const getVideo = (id: string) => api<Video>(videoPath(id));

/** The video, or null when it is gone or not the caller's (other failures are thrown). */
export async function videoOrNull(id: string): Promise<Video | null> {
  try {
    return await getVideo(id);
  } catch (err) {
    if (err instanceof ApiFailure && (err.status === 404 || err.status === 403)) return null;
    throw err;
  }
}
