/**
 * What only the Algolia provider has, beyond the shared contract (search-contract.test.ts):
 * its rebuild from Postgres by the operator's scripts, and a failed index write retried by the
 * job runner until the index is right. Same world: the edge in Node, a farm node running jobs,
 * the real `algoliasearch` client against the stand-in.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import type { SearchResult } from "../../edge/src/services/search/search-provider.ts";
import type { SearchRecord } from "../../shared/search/algolia-records.ts";
import { algoliaAdminClient } from "../src/search/algolia-client.ts";
import { applyIndexSettings } from "../src/search/search-indexer.ts";
import { AlgoliaStandIn } from "./support/algolia-stand-in.ts";
import { closeDb, db, farmConfig } from "./support/farm-env.ts";
import {
  algoliaEnv,
  closeSqlBridge,
  newOwner,
  readyVideo,
  type SearchWorld,
  search,
  startSearchWorld,
  uniqueWord,
} from "./support/search-world.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const indexName = `movio_test_${uniqueWord()}`;
let standIn: AlgoliaStandIn;
let env: Record<string, string>;
let world: SearchWorld;
let owner: Awaited<ReturnType<typeof newOwner>>;
const touched: string[] = [];

beforeAll(async () => {
  standIn = await AlgoliaStandIn.start();
  env = algoliaEnv(standIn, indexName);
  world = await startSearchWorld(env);
  await applyIndexSettings(algoliaAdminClient(farmConfig(env)), indexName);
  owner = await newOwner("Ada Search");
});

afterAll(async () => {
  await world?.close();
  await standIn?.close();
  await closeSqlBridge();
  await closeDb();
});

afterEach(async () => {
  await world.settle(touched.splice(0));
});

const ids = (result: SearchResult) => result.hits.map((hit) => hit.video.id);
const video = async (spec: Parameters<typeof readyVideo>[2]) => {
  const id = await readyVideo(world, owner, spec);
  touched.push(id);
  return id;
};
const indexed = (...videoIds: string[]) => world.settle(videoIds);
const caughtUp = indexed;
const recordsOf = (videoId: string) =>
  standIn.records(indexName).filter((r) => r.videoId === videoId) as unknown as SearchRecord[];

describe("Algolia search operations", () => {
  it("npm run search:setup and search:reindex rebuild the index from Postgres", async () => {
    const tag = uniqueWord();
    const shown = await video({ title: `Rebuilt ${tag}` });
    const hidden = await video({ title: `Hidden ${tag}`, visibility: "private" });
    await indexed(shown, hidden);
    // An index that drifted: a record of a video that is not public, and one video's records lost.
    const admin = algoliaAdminClient(farmConfig(env));
    const stray = { ...recordsOf(shown)[0]!, objectID: hidden, videoId: hidden, title: `Hidden ${tag}` };
    await admin.batch({
      indexName,
      batchWriteParams: {
        requests: [
          { action: "addObject", body: stray },
          ...recordsOf(shown).map((r) => ({
            action: "deleteObject" as const,
            body: { objectID: r.objectID },
          })),
        ],
      },
    });
    expect(ids(await search(world, tag))).toEqual([hidden]);

    const scriptEnv = { ...process.env, ...env, DATABASE_URL: inject("databaseUrl") };
    // Run as an operator would (asynchronously: the stand-in answers from this process).
    for (const script of ["search:setup", "search:reindex"]) {
      await promisify(execFile)("npm", ["run", "-s", script], { cwd: ROOT, env: scriptEnv });
    }
    expect(ids(await search(world, tag))).toEqual([shown]);
    expect(recordsOf(hidden)).toEqual([]);
    // Every record in the index belongs to a public, ready video.
    const { rows } = await db().query<{ id: string }>(
      "select id from videos where status = 'ready' and visibility = 'public' and deleted_at is null",
    );
    const indexable = new Set(rows.map((r) => r.id));
    expect(standIn.records(indexName).every((r) => indexable.has(String(r.videoId)))).toBe(true);
  });

  it("retries a failed index write through the job runner and ends correct", async () => {
    const before = uniqueWord();
    const after = uniqueWord();
    const id = await video({ title: `Before ${before}` });
    await indexed(id);
    const failed = standIn.requests.length;
    standIn.failNextWrites(1);
    await world.videos.update(id, owner, { title: `After ${after}` });
    await caughtUp(id);
    expect(standIn.requests.slice(failed).filter((r) => r.status === 500)).toHaveLength(1);
    const { rows } = await db().query<{ state: string; attempts: number; last_error: string | null }>(
      "select state, attempts, last_error from jobs where video_id = $1 and type = 'index_video' order by id desc limit 1",
      [id],
    );
    expect(rows[0]).toMatchObject({ state: "done", attempts: 2 });
    expect(ids(await search(world, before))).toEqual([]);
    expect(ids(await search(world, after))).toEqual([id]);
    expect(recordsOf(id).map((r) => r.kind === "video" && r.title)).toEqual([`After ${after}`]);
  });
});
