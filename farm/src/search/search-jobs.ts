/**
 * Queues index_video inside the caller's transaction when Algolia is the search provider (and
 * does nothing with Postgres search, whose documents the same transaction already updated).
 */
import type pg from "pg";
import type { FarmConfig } from "../../../shared/config/farm-config.ts";
import { enqueueJob } from "../queue/job-queue.ts";

export interface SearchIndexQueue {
  /** Adds an index_video job for the video in `client`'s transaction (no-op unless Algolia). */
  enqueue(client: pg.PoolClient, videoId: string): Promise<void>;
}

export function searchIndexQueue(config: Pick<FarmConfig, "SEARCH_PROVIDER">): SearchIndexQueue {
  if (config.SEARCH_PROVIDER !== "algolia") return { enqueue: async () => undefined };
  return {
    enqueue: async (client, videoId) => {
      await enqueueJob(client, { type: "index_video", videoId, payload: {} });
    },
  };
}
