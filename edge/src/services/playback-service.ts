/**
 * Signed playback URLs: everything a player needs for one video, on the CDN, with Gcore's
 * secure token for the video's directory (one token covers manifest, segments, poster,
 * storyboard and subtitle files). Visibility is the catalog's: whoever may not see the video gets 404.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { EdgeConfig } from "../../../shared/config/edge-config.ts";
import { videos } from "../../../shared/db/schema.ts";
import { ApiError } from "../../../shared/errors/api-error.ts";
import type { Database } from "../db/request-db.ts";
import { mediaSigner } from "./media-urls.ts";
import { canSee, type Viewer } from "./video-access.ts";
import { isPlayable } from "./video-view.ts";

export interface Playback {
  dash: string;
  hls: string;
  poster: string | null;
  storyboard: string | null;
  subtitles: {
    lang: string | null;
    label: string;
    kind: "subtitles" | "captions";
    origin: "embedded" | "uploaded" | "machine" | "auto";
    default: boolean;
    url: string;
  }[];
  expiresAt: string;
}

export class PlaybackService {
  constructor(
    private readonly db: Database,
    private readonly config: EdgeConfig,
  ) {}

  async forVideo(id: string, viewer: Viewer | undefined, clientIp: string | undefined): Promise<Playback> {
    const [video] = await this.db
      .select({
        ownerId: videos.ownerId,
        visibility: videos.visibility,
        status: videos.status,
        progress: videos.progress,
        storagePrefix: videos.storagePrefix,
        media: videos.media,
      })
      .from(videos)
      .where(and(eq(videos.id, id), isNull(videos.deletedAt)));
    if (!video || !canSee(video, viewer)) throw new ApiError("not_found", "no such video");
    // Ready, or still processing with its first rendition published (first playable).
    if (!isPlayable(video) || !video.storagePrefix || !video.media) {
      throw new ApiError(
        "video_not_ready",
        `the video is ${video.status.replace("_", " ")} (${video.progress}%)`,
        {
          details: { status: video.status, progress: video.progress },
        },
      );
    }
    const { url, expires } = mediaSigner(this.config, video.storagePrefix, clientIp);
    const { media } = video;
    return {
      dash: url(media.dash),
      hls: url(media.hls),
      poster: media.poster ? url(media.poster) : null,
      storyboard: media.storyboard ? url(media.storyboard) : null,
      // What the current manifests declare (the farm records it when it publishes them).
      subtitles: (media.subtitles ?? []).map((track) => ({
        lang: track.lang,
        label: track.label,
        kind: track.kind,
        origin: track.origin,
        default: track.isDefault,
        url: url(track.file),
      })),
      expiresAt: new Date(expires * 1000).toISOString(),
    };
  }
}
