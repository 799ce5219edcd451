/**
 * publish_subtitles: after a track was added, edited, translated or deleted, write the video's
 * ready tracks as WebVTT files and re-publish both manifests with them — no re-encoding. Each
 * publish is a new version with new file names (CDNs may cache every one for good), switched
 * to in one fenced update; the last KEPT_VERSIONS stay for players mid-session (publishes
 * can come in bursts, one per translated language), older ones go.
 * A video not yet ready is skipped: its transcode publishes the set current at that moment.
 * Invariant: one publish per video at a time (a transaction-scoped advisory lock around the
 * whole attempt), and an attempt deletes only files named by its own attempt token or by
 * versions older than the kept ones — never a file a manifest that is live references.
 */
import type pg from "pg";
import {
  BASE_DASH_MANIFEST,
  BASE_HLS_MASTER,
  subtitleSetVersion,
} from "../../../shared/subtitles/published-names.ts";
import { webhookEventQuery } from "../../../shared/webhooks/event-jobs.ts";
import { inTransaction } from "../db/transaction.ts";
import type { JobHandler } from "../queue/job-runner.ts";
import { type SearchIndexQueue, searchIndexQueue } from "../search/search-jobs.ts";
import type { ObjectStorage } from "../storage/object-storage.ts";
import { renderSubtitleSet } from "./subtitle-set.ts";
import type { SubtitleStore } from "./subtitle-store.ts";

/** Subtitle-set versions kept in storage, the current one included: a few small files each. */
export const KEPT_VERSIONS = 5;

/** First key of the per-video advisory lock publishes take (the second is the video id's hash). */
const PUBLISH_LOCK = 0x5375_6273; // "Subs"

export interface PublishSubtitlesDeps {
  db: pg.Pool;
  storage: ObjectStorage;
  subtitles: SubtitleStore;
  log: (line: string) => void;
  /** Queues the search index update with the switch (Algolia only; the default does nothing). */
  search?: SearchIndexQueue;
}

export function publishSubtitlesHandler(deps: PublishSubtitlesDeps): JobHandler<"publish_subtitles"> {
  return {
    async run(job, { signal }) {
      const videoId = job.videoId;
      if (!videoId) return;
      // One publish of a video at a time, on every node: the lock is held (and released by the
      // commit or rollback) across the read, the upload and the switch, so a second attempt
      // starts from the version the first made live. A holder stuck past the timeout makes
      // the waiter fail into a retry rather than wait for good.
      const outcome = await inTransaction(deps.db, async (client) => {
        await client.query("set local lock_timeout = '60s'");
        await client.query("select pg_advisory_xact_lock($1, hashtext($2))", [PUBLISH_LOCK, videoId]);
        return publishLocked(deps, client, videoId, signal);
      });
      if (outcome === false) {
        throw new Error("the video's subtitles or media changed while publishing; retrying");
      }
      if (outcome) await removeOldVersions(deps, videoId, outcome);
    },
  };
}

/**
 * Old versions go once the switch committed (outside the lock: the video's row is not held
 * while S3 lists and deletes): only those older than the kept ones, never the new version.
 */
async function removeOldVersions(deps: PublishSubtitlesDeps, videoId: string, published: Published) {
  const { prefix, version, names } = published;
  const stale = (await deps.storage.listKeys(prefix)).filter((key) => {
    const name = key.slice(prefix.length);
    const of = subtitleSetVersion(name);
    return of !== undefined && of <= version - KEPT_VERSIONS && !names.has(name);
  });
  await deps.storage.deleteKeys(stale);
  deps.log(`video ${videoId}: subtitles v${version} published (${(names.size - 2) / 2} tracks)`);
}

interface Published {
  prefix: string;
  version: number;
  names: Set<string>;
}

/**
 * Renders, uploads and switches to the next version; false when the switch lost to a
 * re-processing (the caller's transaction then rolls back and the job retries).
 */
async function publishLocked(
  deps: PublishSubtitlesDeps,
  client: pg.PoolClient,
  videoId: string,
  signal: AbortSignal,
): Promise<Published | false | undefined> {
  const { rows } = await client.query<{
    storage_prefix: string | null;
    duration_ms: number | null;
    subtitles_version: number;
  }>(
    `select storage_prefix, duration_ms, subtitles_version from videos
     where id = $1 and status = 'ready' and deleted_at is null and media is not null`,
    [videoId],
  );
  const video = rows[0];
  if (!video?.storage_prefix) return undefined; // not published yet: the transcode takes the current set
  const prefix = video.storage_prefix;
  const version = video.subtitles_version + 1;
  const set = renderSubtitleSet({
    tracks: await deps.subtitles.readyTracks(videoId, client),
    version,
    durationMs: video.duration_ms ?? 0,
    baseMpd: await deps.storage.readText(`${prefix}${BASE_DASH_MANIFEST}`),
    baseMaster: await deps.storage.readText(`${prefix}${BASE_HLS_MASTER}`),
  });
  signal.throwIfAborted();
  await deps.storage.putTexts(prefix, set.files);
  const search = deps.search ?? searchIndexQueue({ SEARCH_PROVIDER: "postgres" });
  const { rowCount } = await client.query(
    `update videos set subtitles_version = $2,
            media = media || jsonb_build_object('dash', $3::text, 'hls', $4::text, 'subtitles', $6::jsonb),
            updated_at = now()
     where id = $1 and subtitles_version = $2 - 1 and storage_prefix = $5 and deleted_at is null`,
    [videoId, version, set.dash, set.hls, prefix, JSON.stringify(set.published)],
  );
  if (rowCount !== 1) {
    // A re-processing got there first. These files carry this attempt's own token
    // (published-names.ts): nobody else references them.
    await deps.storage.deleteKeys([...set.files.keys()].map((name) => `${prefix}${name}`));
    return false;
  }
  // The cues search shows are the published set's: index them with the switch.
  await search.enqueue(client, videoId);
  // Webhooks hear of it with the switch too: the files are in place by now.
  const tracks = set.published.map((t) => ({ lang: t.lang, label: t.label, kind: t.kind, origin: t.origin }));
  await client.query(
    webhookEventQuery(videoId, "subtitles.ready", { subtitles: tracks, subtitlesVersion: version }),
  );
  return { prefix, version, names: new Set(set.files.keys()) };
}
