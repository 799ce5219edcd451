/**
 * The subtitle steps of a transcode: extract the source's embedded tracks (the single-node
 * path starts it alongside the encode, once the first segments are out), then render the
 * video's whole ready set (embedded + any uploaded or translated before) into the output
 * directory, so the first publish already plays with subtitles. Once published, the same
 * transaction queues the translations asked for at creation and, if a track changed while
 * this attempt ran, a re-publish. (Automatic captions are queued earlier, with the first
 * playable: queue-auto-captions.ts.)
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type pg from "pg";
import type { PublishedSubtitle } from "../../../shared/db/schema.ts";
import { BASE_DASH_MANIFEST, BASE_HLS_MASTER } from "../../../shared/subtitles/published-names.ts";
import type { Ffmpeg, InputAccess } from "../media/ffmpeg.ts";
import type { SourceInfo } from "../media/inspect.ts";
import { enqueueJob } from "../queue/job-queue.ts";
import { extractSubtitles } from "./extract-subtitles.ts";
import { renderSubtitleSet } from "./subtitle-set.ts";
import type { SubtitleStore } from "./subtitle-store.ts";

export interface PreparedSubtitles {
  dash: string;
  hls: string;
  version: number;
  published: PublishedSubtitle[];
  /** When the set was read: a track changed after it needs a re-publish. */
  renderedAt: Date;
}

/**
 * The source's own subtitle tracks, stored as the video's embedded tracks (none found by the
 * probe: the source is not read again).
 */
export async function extractEmbeddedSubtitles(
  deps: { ffmpeg: Ffmpeg; subtitles: SubtitleStore; subtitleStreamMaxBytes?: number },
  input: {
    videoId: string;
    source: string;
    sourceAccess?: InputAccess;
    sourceBytes?: number;
    info: SourceInfo;
    workDir: string;
    signal: AbortSignal;
  },
): Promise<void> {
  const embedded = await extractSubtitles(
    deps.ffmpeg,
    input.source,
    input.info,
    input.workDir,
    input.signal,
    deps.subtitleStreamMaxBytes,
    {
      ...(input.sourceAccess ? { access: input.sourceAccess } : {}),
      ...(input.sourceBytes !== undefined ? { sourceBytes: input.sourceBytes } : {}),
    },
  );
  await deps.subtitles.replaceEmbedded(input.videoId, embedded);
}

/**
 * The video's ready tracks (embedded, uploaded, translated) rendered into outDir beside the
 * base manifests there, which they extend.
 */
export async function renderReadySubtitles(
  deps: { subtitles: SubtitleStore },
  input: { videoId: string; durationMs: number; outDir: string; currentVersion: number },
): Promise<PreparedSubtitles> {
  const renderedAt = new Date();
  const tracks = await deps.subtitles.readyTracks(input.videoId);
  if (tracks.length === 0) {
    return {
      dash: BASE_DASH_MANIFEST,
      hls: BASE_HLS_MASTER,
      version: input.currentVersion,
      published: [],
      renderedAt,
    };
  }
  const set = renderSubtitleSet({
    tracks,
    version: input.currentVersion + 1,
    durationMs: input.durationMs,
    baseMpd: await readFile(path.join(input.outDir, BASE_DASH_MANIFEST), "utf8"),
    baseMaster: await readFile(path.join(input.outDir, BASE_HLS_MASTER), "utf8"),
  });
  for (const [name, body] of set.files) await writeFile(path.join(input.outDir, name), body);
  return { dash: set.dash, hls: set.hls, version: set.version, published: set.published, renderedAt };
}

/** Inside the publishing transaction: translations asked for at creation, and a late re-publish. */
export async function queueSubtitleFollowUps(
  client: pg.PoolClient,
  subtitles: SubtitleStore,
  input: { videoId: string; translateTo: string[]; renderedAt: Date },
): Promise<void> {
  const source = input.translateTo.length > 0 ? await subtitles.bestSource(input.videoId) : undefined;
  for (const to of input.translateTo) {
    if (!source || sameLanguage(source.language, to)) continue;
    await enqueueJob(client, {
      type: "translate_subtitles",
      videoId: input.videoId,
      payload: { sourceTrackId: source.id, to },
    });
  }
  // Every change to a track (an upload, an edit, a deletion, a translation) queues a publish;
  // one queued after this attempt read the set was skipped while the video was processing.
  const { rowCount } = await client.query(
    "select 1 from jobs where type = 'publish_subtitles' and video_id = $1 and created_at > $2 limit 1",
    [input.videoId, input.renderedAt],
  );
  if (rowCount) await enqueueJob(client, { type: "publish_subtitles", videoId: input.videoId, payload: {} });
}

const sameLanguage = (a: string | null, b: string) =>
  a !== null && a.toLowerCase().split("-")[0] === b.toLowerCase().split("-")[0];
