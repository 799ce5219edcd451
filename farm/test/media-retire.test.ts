/**
 * Replaced media is never pulled from under a viewer, and nothing is left behind: an admin's
 * re-processing keeps the old media until the new one is published and for
 * SUPERSEDED_MEDIA_GRACE_S after (a player that loaded the old manifest finishes without a
 * 404), then a retire_media job removes it; reopening a failed video for a new upload removes
 * the first playable its failed attempt left, before anything is uploaded again. The edge's
 * services (admin re-process, reopen) run in Node over the local `POST /sql` endpoint, as in
 * cancel-reupload.test.ts.
 */
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startWsBridge, type WsBridge } from "../../scripts/local/ws-bridge.ts";
import type { FarmNode } from "../src/farm-node.ts";
import { edgeServices } from "./support/edge-services.ts";
import { bucketKeys, closeDb, db, newVideo, startNode, testS3 } from "./support/farm-env.ts";
import { fixtures } from "./support/fixtures.ts";
import { tusUpload } from "./support/tus-upload.ts";
import { waitFor } from "./support/wait-for.ts";

const GRACE_S = 3600;
let bridge: WsBridge;
let farm: { node: FarmNode; url: string };

beforeAll(async () => {
  bridge = await startWsBridge({ port: 0, database: new URL(inject("databaseUrl")).host });
  farm = await startNode(
    { JOB_POLL_MS: "100", SUPERSEDED_MEDIA_GRACE_S: String(GRACE_S), KEEP_SOURCE: "true" },
    { work: true },
  );
});
afterAll(async () => {
  await farm.node.close();
  await bridge.close();
  await closeDb();
});

interface AdminReprocess {
  reprocess(videoId: string, admin: { id: string; email: string }): Promise<unknown>;
}

async function video(videoId: string) {
  const { rows } = await db().query<{ status: string; storage_prefix: string | null }>(
    "select status, storage_prefix from videos where id = $1",
    [videoId],
  );
  return rows[0]!;
}

async function readyWith(videoId: string, notPrefix?: string) {
  return waitFor(
    "the video to be ready",
    async () => {
      const row = await video(videoId);
      if (row.status === "failed") throw new Error(`video failed: ${JSON.stringify(row)}`);
      return row.status === "ready" && row.storage_prefix && row.storage_prefix !== notPrefix
        ? row.storage_prefix
        : undefined;
    },
    90_000,
  );
}

async function retireJobs(videoId: string) {
  const { rows } = await db().query<{
    id: string;
    payload: { prefixes: string[] };
    state: string;
    later: boolean;
  }>(
    `select id, payload, state, run_at > now() + make_interval(secs => $2::int - 60) as later
     from jobs where video_id = $1 and type = 'retire_media' order by id`,
    [videoId, GRACE_S],
  );
  return rows;
}

async function anAdmin() {
  const { rows } = await db().query<{ id: string; email: string }>(
    "insert into users (email, password_hash, display_name, role) values ($1, 'x', 'Admin', 'admin') returning id, email",
    [`admin-${crypto.randomUUID()}@example.com`],
  );
  return rows[0]!;
}

describe("re-processing a ready video", () => {
  it("keeps the old media until the new is published and through the grace, then retires it", async () => {
    const { admin } = await edgeServices<AdminReprocess>(bridge, "media-retire-test-secret-7c1d9e");
    const { videoId, token } = await newVideo();
    await tusUpload(farm.url, token, fixtures.landscape(3, "320x240"));
    const oldPrefix = await readyWith(videoId);
    const oldKeys = (await bucketKeys(oldPrefix)).sort();
    expect(oldKeys.length).toBeGreaterThan(5);

    // A transcription under way (queued at the first playable) keeps its files under the prefix.
    const captionsKey = `media/${videoId}/captions-1/speech.flac`;
    await testS3().send(new PutObjectCommand({ Bucket: "movio", Key: captionsKey, Body: "flac" }));
    await admin.reprocess(videoId, await anAdmin());
    // While it re-encodes, every old file stays (the video is ready and playing from it).
    const newPrefix = await waitFor(
      "the re-processed media to be published",
      async () => {
        const { storage_prefix: prefix } = await video(videoId);
        if (prefix !== oldPrefix) return prefix ?? undefined;
        expect((await bucketKeys(oldPrefix)).sort()).toEqual(oldKeys);
        return undefined;
      },
      90_000,
    );
    await waitFor("the re-processing job to finish", async () => {
      const { rows } = await db().query<{ state: string }>(
        "select state from jobs where video_id = $1 and type = 'transcode' order by id desc limit 1",
        [videoId],
      );
      return rows[0]?.state === "done" ? true : undefined;
    });
    expect(newPrefix).not.toBe(oldPrefix);
    // Published, and the job done: a viewer still on the old manifest finds every file.
    expect((await bucketKeys(oldPrefix)).sort()).toEqual(oldKeys);
    const [retire] = await retireJobs(videoId);
    expect(retire).toMatchObject({ payload: { prefixes: [oldPrefix] }, state: "queued", later: true });

    // Once the grace has passed (brought forward here), the old media goes; the new stays.
    const newKeys = await bucketKeys(newPrefix);
    await db().query("update jobs set run_at = now() where id = $1", [retire!.id]);
    await waitFor("the old media removed", async () =>
      (await bucketKeys(oldPrefix)).length === 0 ? true : undefined,
    );
    expect((await bucketKeys(`media/${videoId}/`)).sort()).toEqual([...newKeys, captionsKey].sort());
    expect((await video(videoId)).storage_prefix).toBe(newPrefix);
  }, 180_000);
});

describe("reopening a failed video", () => {
  it("removes the failed attempt's first playable at once, and a new upload leaves only its own media", async () => {
    const { videos } = await edgeServices<AdminReprocess>(bridge, "media-retire-test-secret-7c1d9e");
    const { videoId, ownerId, token } = await newVideo();
    await tusUpload(farm.url, token, fixtures.landscape(3, "320x240"));
    const failedPrefix = await readyWith(videoId);
    // As a transcode that failed after publishing its first playable leaves it: failed, with
    // its media in the bucket and its prefix still on the row.
    await db().query(
      "update videos set status = 'failed', error_code = 'transcode_failed', error_message = 'x' where id = $1",
      [videoId],
    );
    expect((await bucketKeys(failedPrefix)).length).toBeGreaterThan(5);

    const ticket = await videos.reissueUpload(videoId, { id: ownerId, role: "viewer" });
    // No orphan: nothing refers to those files any more, so they go even if no upload follows.
    await waitFor(
      "the failed attempt's media removed",
      async () => ((await bucketKeys(failedPrefix)).length === 0 ? true : undefined),
      30_000,
    );
    expect(await retireJobs(videoId)).toMatchObject([
      { payload: { prefixes: [failedPrefix] }, state: "done" },
    ]);

    await tusUpload(farm.url, ticket.token, fixtures.landscape(2, "320x240"));
    const newPrefix = await readyWith(videoId, failedPrefix);
    const stored = await bucketKeys(`media/${videoId}/`);
    expect(stored.length).toBeGreaterThan(5);
    expect(stored.filter((key) => !key.startsWith(newPrefix))).toEqual([]);
  }, 180_000);

  it("never retires what the video plays now, nor another video's files", async () => {
    const { videoId, token } = await newVideo();
    const other = await newVideo();
    await tusUpload(farm.url, token, fixtures.landscape(2, "320x240"));
    await tusUpload(farm.url, other.token, fixtures.landscape(2, "320x240"));
    const playing = await readyWith(videoId);
    const elsewhere = await readyWith(other.videoId);
    const before = [(await bucketKeys(playing)).length, (await bucketKeys(elsewhere)).length];
    // A job naming the playing prefix and another video's (a bug or a forged row) removes nothing.
    const { rows } = await db().query<{ id: string }>(
      `insert into jobs (type, video_id, payload) values ('retire_media', $1, $2::jsonb) returning id`,
      [videoId, JSON.stringify({ prefixes: [playing, elsewhere] })],
    );
    await waitFor("the retire job to run", async () => {
      const job = await db().query<{ state: string }>("select state from jobs where id = $1", [rows[0]!.id]);
      return job.rows[0]?.state === "done" ? true : undefined;
    });
    expect([(await bucketKeys(playing)).length, (await bucketKeys(elsewhere)).length]).toEqual(before);
  }, 120_000);
});
