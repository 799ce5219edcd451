/**
 * Keeps the Algolia index equal to what Postgres says, one video at a time (index_video jobs)
 * or all at once (`npm run search:reindex`). Replacing a video's records:
 *
 *  1. lock the video (a transaction-level advisory lock): runs for one video — two jobs on
 *     two nodes, a job and a rebuild — take turns, so whichever runs last reads the latest
 *     state and writes last. Jobs are not deduplicated (a change during a run needs a run
 *     after it), so without the lock an older run could overwrite a newer one;
 *  2. read the video from Postgres and build its records (none unless public and ready);
 *  3. list the objectIDs the index holds for it (browse, filtered on videoId);
 *  4. one batch: save every record (replacing by objectID) and delete the ones no longer
 *     built — never a moment with the video missing — then wait until Algolia has applied it.
 *
 * Idempotent: a retry after any failure starts over from 1 and converges on the same index.
 * The lock is held while Algolia answers (seconds at worst), on one pooled connection per
 * running job; `lock_timeout` bounds the wait so a stuck holder fails the job into a retry.
 */
import type { BatchRequest, SearchClient } from "algoliasearch";
import type pg from "pg";
import { buildVideoRecords, type SearchRecord } from "../../../shared/search/algolia-records.ts";
import { ALGOLIA_INDEX_SETTINGS } from "../../../shared/search/algolia-settings.ts";
import { inTransaction } from "../db/transaction.ts";
import { indexableVideoIds, readSearchSources } from "./search-source.ts";

/** Algolia's advice for one batch: up to 1,000 records (and well under 10 MB). */
const BATCH_SIZE = 1000;
/** Videos per transaction in a rebuild. */
const REINDEX_CHUNK = 50;

export interface IndexOutcome {
  saved: number;
  deleted: number;
}

export class SearchIndexer {
  constructor(
    private readonly db: pg.Pool,
    private readonly client: SearchClient,
    readonly indexName: string,
  ) {}

  /**
   * Replaces the video's records with its current state (removes them if it is not indexable).
   * `signal` (the job's) stops it between steps and while waiting for Algolia's task.
   */
  async indexVideo(videoId: string, signal?: AbortSignal): Promise<IndexOutcome> {
    return inTransaction(this.db, async (tx) => {
      await lockVideos(tx, [videoId]);
      const [source] = await readSearchSources(tx, [videoId]);
      const records = source ? buildVideoRecords(source) : [];
      signal?.throwIfAborted();
      const held = await this.objectIdsOf(videoId);
      const built = new Set(records.map((r) => r.objectID));
      const stale = held.filter((id) => !built.has(id));
      signal?.throwIfAborted();
      await this.write(
        [
          ...records.map((record): BatchRequest => ({ action: "addObject", body: { ...record } })),
          ...stale.map((objectID): BatchRequest => ({ action: "deleteObject", body: { objectID } })),
        ],
        signal,
      );
      return { saved: records.length, deleted: stale.length };
    });
  }

  /**
   * Rebuilds the index from Postgres: clears it, then saves every public, ready video, a chunk
   * at a time under the same locks the jobs take (so a job running meanwhile is never undone).
   * Search shows only what has been saved so far while it runs.
   */
  async reindexAll(
    log: (line: string) => void = () => undefined,
  ): Promise<{ videos: number; records: number }> {
    await this.waitFor(await this.client.clearObjects({ indexName: this.indexName }));
    let after: string | null = null;
    let videos = 0;
    let records = 0;
    for (;;) {
      const ids = await indexableVideoIds(this.db, after, REINDEX_CHUNK);
      if (ids.length === 0) break;
      after = ids.at(-1)!;
      records += await inTransaction(this.db, async (tx) => {
        await lockVideos(tx, ids);
        const built: SearchRecord[] = (await readSearchSources(tx, ids)).flatMap((v) => buildVideoRecords(v));
        await this.write(built.map((record): BatchRequest => ({ action: "addObject", body: { ...record } })));
        return built.length;
      });
      videos += ids.length;
      log(`${videos} videos, ${records} records saved`);
    }
    return { videos, records };
  }

  /** Applies shared/search/algolia-settings.ts to the index (creating it if needed). */
  applySettings(): Promise<void> {
    return applyIndexSettings(this.client, this.indexName);
  }

  private async objectIdsOf(videoId: string): Promise<string[]> {
    const ids: string[] = [];
    await this.client.browseObjects<Record<string, never>>({
      indexName: this.indexName,
      browseParams: {
        filters: `videoId:"${videoId}"`,
        attributesToRetrieve: ["objectID"],
        hitsPerPage: 1000,
      },
      aggregator: (response) => {
        for (const hit of response.hits) ids.push(hit.objectID);
      },
    });
    return ids;
  }

  private async write(requests: BatchRequest[], signal?: AbortSignal): Promise<void> {
    for (let i = 0; i < requests.length; i += BATCH_SIZE) {
      const response = await this.client.batch({
        indexName: this.indexName,
        batchWriteParams: { requests: requests.slice(i, i + BATCH_SIZE) },
      });
      await this.waitFor(response, signal);
    }
  }

  private async waitFor(response: { taskID: number }, signal?: AbortSignal): Promise<void> {
    await this.client.waitForTask({
      indexName: this.indexName,
      taskID: response.taskID,
      // The client's own pacing (200 ms more per poll, at most 5 s), stopped when the job is.
      timeout: (polls) => {
        signal?.throwIfAborted();
        return Math.min(polls * 200, 5000);
      },
    });
  }
}

/** `npm run search:setup`: Movio's settings on the index, once Algolia has applied them. */
export async function applyIndexSettings(client: SearchClient, indexName: string): Promise<void> {
  const { taskID } = await client.setSettings({ indexName, indexSettings: ALGOLIA_INDEX_SETTINGS });
  await client.waitForTask({ indexName, taskID });
}

/** Serialises index writes per video (sorted, so two lockers of several videos never deadlock). */
async function lockVideos(tx: pg.PoolClient, videoIds: string[]): Promise<void> {
  await tx.query("set local lock_timeout = '30s'");
  for (const id of [...videoIds].sort()) {
    await tx.query("select pg_advisory_xact_lock(hashtextextended('movio:search-index:' || $1::text, 0))", [
      id,
    ]);
  }
}
