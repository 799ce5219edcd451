/**
 * Whether a long source is split across nodes (farm/src/transcode/chunk-plan.ts `shouldChunk`):
 * only past CHUNK_MIN_SOURCE_S *and* with CHUNK_MIN_NODES farm nodes up. On a lone node a long
 * source is encoded whole — published as written, playable after its first segments — and with
 * a second node up the same source is chunked. A real node (its own heartbeat), Postgres, S3
 * and ffmpeg; the "other node" is a heartbeat row, as a node elsewhere would write it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LIVE_DASH } from "../src/media/growing-manifests.ts";
import { shouldChunk } from "../src/transcode/chunk-plan.ts";
import { closeDb, db, newVideo, startNode } from "./support/farm-env.ts";
import { fixtures } from "./support/fixtures.ts";
import { tusUpload } from "./support/tus-upload.ts";

const OTHER_NODE = `chunk-decision-other-${crypto.randomUUID().slice(0, 8)}`;
let farm: Awaited<ReturnType<typeof startNode>>;

beforeAll(async () => {
  // Earlier files' killed nodes stop beating but look up for a while: this file decides alone.
  await db().query("update farm_nodes set last_seen_at = now() - interval '1 hour'");
  farm = await startNode({ CHUNK_MIN_SOURCE_S: "6", CHUNK_SECONDS: "4", JOB_POLL_MS: "100" }, { work: true });
});
afterAll(async () => {
  await farm?.node.close();
  await db().query("delete from farm_nodes where node_id = $1", [OTHER_NODE]);
  await closeDb();
});

/** Uploads a 12 s clip and follows it to ready: whether it ever played on growing manifests. */
async function process(): Promise<{ videoId: string; playedGrowing: boolean }> {
  const { videoId, token } = await newVideo();
  await tusUpload(farm.url, token, fixtures.landscape(12, "640x360"));
  let playedGrowing = false;
  for (let i = 0; i < 1200; i++) {
    const { rows } = await db().query<{ status: string; media: { dash?: string } | null }>(
      "select status, media from videos where id = $1",
      [videoId],
    );
    const row = rows[0]!;
    if (row.status === "processing" && row.media?.dash === LIVE_DASH) playedGrowing = true;
    if (row.status === "ready") return { videoId, playedGrowing };
    expect(row.status).not.toBe("failed");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the video never became ready");
}

const chunkJobs = async (videoId: string) =>
  Number(
    (
      await db().query<{ n: string }>(
        "select count(*) as n from jobs where video_id = $1 and type = 'encode_chunk'",
        [videoId],
      )
    ).rows[0]!.n,
  );

describe("chunking decision", () => {
  it("asks how many nodes are up only for a long source, and not when one node is enough", async () => {
    let asked = 0;
    const nodesUp = async () => {
      asked++;
      return 1;
    };
    const config = { CHUNK_MIN_SOURCE_S: 120, CHUNK_MIN_NODES: 2 };
    expect(await shouldChunk(120_000, config, nodesUp)).toBe(false);
    expect(asked).toBe(0);
    expect(await shouldChunk(120_001, config, nodesUp)).toBe(false);
    expect(asked).toBe(1);
    expect(await shouldChunk(120_001, config, async () => 2)).toBe(true);
    expect(await shouldChunk(120_001, { ...config, CHUNK_MIN_NODES: 1 }, nodesUp)).toBe(true);
    expect(asked).toBe(1);
  });

  it("a lone node encodes a long source whole, playable after its first segments", async () => {
    const { videoId, playedGrowing } = await process();
    expect(await chunkJobs(videoId)).toBe(0);
    expect(playedGrowing).toBe(true);
  });

  it("with a second node up, the same source is split into chunks", async () => {
    await db().query(
      `insert into farm_nodes (node_id, host, pid, workers, started_at, last_seen_at)
       values ($1, 'elsewhere', 1, true, now(), now())`,
      [OTHER_NODE],
    );
    const { videoId } = await process();
    expect(await chunkJobs(videoId)).toBeGreaterThan(0);
  });
});
