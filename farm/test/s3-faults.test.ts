/**
 * S3 misbehaving under a real farm node: a fault proxy between the node and the local S3
 * server answers 503 SlowDown, resets connections (before, during the request body, during
 * the response) and stalls — while tus uploads parts, while a transcode downloads its source
 * and while it publishes. Retried, nothing lost or duplicated: the stored source is
 * byte-identical, one transcode job, renditions once, and the video ends ready.
 */
import { randomBytes } from "node:crypto";
import { GetObjectCommand, ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import * as tus from "tus-js-client";
import { afterAll, describe, expect, inject, it } from "vitest";
import {
  bucketKeys,
  closeDb,
  db,
  newVideo,
  sha256,
  startNode,
  storedObjectHash,
  testS3,
  videoRow,
} from "./support/farm-env.ts";
import { fixtures } from "./support/fixtures.ts";
import { type S3Fault, type S3FaultProxy, startS3FaultProxy } from "./support/s3-fault-proxy.ts";
import { waitFor } from "./support/wait-for.ts";

const MiB = 1024 * 1024;
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const fn of cleanups.reverse()) await fn();
  await closeDb();
});

const logs: string[] = [];

async function farmBehindProxy(work: boolean): Promise<{ url: string; proxy: S3FaultProxy }> {
  const proxy = await startS3FaultProxy(inject("s3Endpoint"));
  cleanups.push(() => proxy.close());
  const { node, url } = await startNode(
    // A stalled S3 connection is dropped after 2 s without a byte (30 s by default).
    { S3_ENDPOINT: proxy.endpoint, JOB_POLL_MS: "100", S3_IDLE_TIMEOUT_MS: "2000" },
    { work, log: (line) => logs.push(line) },
  );
  cleanups.push(() => node.close());
  return { url, proxy };
}

function upload(url: string, token: string, data: Buffer, chunkSize?: number): Promise<void> {
  return new Promise((resolve, reject) => {
    new tus.Upload(data, {
      endpoint: `${url}/files/`,
      headers: { Authorization: `Bearer ${token}` },
      retryDelays: [0, 200, 500, 1000, 2000, 3000],
      ...(chunkSize ? { chunkSize } : {}),
      onError: reject,
      onSuccess: () => resolve(),
    }).start();
  });
}

async function openMultipartUploads(key: string): Promise<number> {
  const s3 = testS3();
  try {
    const page = await s3.send(new ListMultipartUploadsCommand({ Bucket: "movio", Prefix: key }));
    return (page.Uploads ?? []).filter((u) => u.Key === key).length;
  } finally {
    s3.destroy();
  }
}

async function objectText(key: string): Promise<string> {
  const s3 = testS3();
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: "movio", Key: key }));
    return await object.Body!.transformToString();
  } finally {
    s3.destroy();
  }
}

const transcodeJobs = async (videoId: string) =>
  (
    await db().query<{ state: string; attempts: number }>(
      "select state, attempts from jobs where video_id = $1 and type = 'transcode'",
      [videoId],
    )
  ).rows;

/** S3 that never answers (until the proxy closes). */
const HANG: S3Fault = { kind: "stall", ms: 600_000 };

/** Every fault a request can meet, in order. */
const everyFault = (bytes: number): S3Fault[] => [
  { kind: "slowdown" },
  { kind: "reset" },
  { kind: "reset-mid-body", afterBytes: bytes },
  { kind: "stall", ms: 1500 },
  HANG,
];

describe("S3 faults", () => {
  it("upload parts: retried, the tus client completes, the source is byte-identical and queued once", {
    timeout: 120_000,
  }, async () => {
    const { url, proxy } = await farmBehindProxy(false);
    const { videoId, token } = await newVideo();
    const data = randomBytes(16 * MiB + 1234);
    proxy.inject({ match: (c) => c.operation === "UploadPart", faults: everyFault(MiB) });
    proxy.inject({
      match: (c) => c.operation === "PutObject" && c.key.endsWith(".part"),
      faults: everyFault(1000),
    });
    // Three in a row: more than the SDK's own three attempts, so the tus client's retry is needed.
    const threeFaults: S3Fault[] = [{ kind: "slowdown" }, { kind: "reset" }, { kind: "slowdown" }];
    proxy.inject({ match: (c) => c.operation === "CreateMultipartUpload", faults: threeFaults });
    proxy.inject({ match: (c) => c.operation === "CompleteMultipartUpload", faults: threeFaults });
    proxy.inject({
      match: (c) => c.operation === "ListParts",
      faults: [{ kind: "slowdown" }, { kind: "reset" }],
    });
    // 6 MiB PATCHes over 5 MiB parts: every PATCH after the first prepends a `.part` left by the one before.
    await upload(url, token, data, 6 * MiB);
    // The finish is recorded right after the answer that told the client it was done.
    await waitFor("processing", async () =>
      (await videoRow(videoId)).status === "processing" ? true : undefined,
    );

    expect(proxy.injected.length).toBeGreaterThanOrEqual(10);
    expect(await storedObjectHash(videoId)).toBe(sha256(data));
    expect(await videoRow(videoId)).toMatchObject({
      status: "processing",
      source_key: videoId,
      source_bytes: String(data.length),
    });
    expect(await transcodeJobs(videoId)).toEqual([{ state: "queued", attempts: 0 }]);
    expect(await openMultipartUploads(videoId)).toBe(0);
    expect(await bucketKeys(`${videoId}.part`)).toEqual([]);
    await db().query("update jobs set state = 'cancelled' where video_id = $1", [videoId]); // not for later nodes
  });

  it("a part lost between stored ones: the upload resumes at the hole, not after the parts beyond it", {
    timeout: 120_000,
  }, async () => {
    const { url, proxy } = await farmBehindProxy(false);
    const { videoId, token } = await newVideo();
    const data = randomBytes(16 * MiB + 1234);
    // One PATCH: its four parts go to S3 side by side; part 2 hangs while 1, 3 and 4 are stored.
    proxy.inject({ match: (c) => c.operation === "UploadPart" && c.partNumber === 2, faults: [HANG] });
    await upload(url, token, data);
    await waitFor("processing", async () =>
      (await videoRow(videoId)).status === "processing" ? true : undefined,
    );
    expect(proxy.injected).toHaveLength(1);
    expect(await storedObjectHash(videoId)).toBe(sha256(data));
    await db().query("update jobs set state = 'cancelled' where video_id = $1", [videoId]);
  });

  it("source download and publish: retried, published once, the video ends ready", {
    timeout: 180_000,
  }, async () => {
    const { url, proxy } = await farmBehindProxy(true);
    const { videoId, token } = await newVideo();
    const source = fixtures.landscape(3, "640x360");
    proxy.inject({
      match: (c) => c.operation === "GetObject" && c.key === videoId,
      faults: [
        { kind: "slowdown" },
        { kind: "reset" },
        { kind: "reset-mid-response", afterBytes: Math.floor(source.length / 2) },
        { kind: "stall-mid-response", afterBytes: Math.floor(source.length / 3) },
        { kind: "stall", ms: 1500 },
      ],
    });
    proxy.inject({
      match: (c) => c.operation === "PutObject" && c.key.startsWith("media/"),
      faults: everyFault(2000),
    });
    await upload(url, token, source);

    await waitFor("ready", async () => {
      const { status } = await videoRow(videoId);
      if (status === "failed") throw new Error(`the video failed\n${logs.slice(-30).join("\n")}`);
      return status === "ready" ? true : undefined;
    });
    expect(proxy.injected.map((i) => i.call.operation).sort()).toEqual([
      ...Array(5).fill("GetObject"),
      ...Array(5).fill("PutObject"),
    ]);
    // Retried inside the attempt: one job, one attempt, nothing re-encoded.
    expect(await transcodeJobs(videoId)).toEqual([{ state: "done", attempts: 1 }]);
    const { rows: video } = await db().query<{ storage_prefix: string }>(
      "select storage_prefix from videos where id = $1",
      [videoId],
    );
    const prefix = video[0]!.storage_prefix;
    const renditions = await db().query<{ height: number | null; kind: string }>(
      "select kind, height from renditions where video_id = $1",
      [videoId],
    );
    const labels = renditions.rows.map((r) => `${r.kind}:${r.height}`);
    expect(labels.sort()).toEqual(["audio:null", "video:240", "video:360"]);

    // Every file the players will ask for is there, and only this attempt's files.
    const keys = await bucketKeys(`media/${videoId}/`);
    expect(keys.every((k) => k.startsWith(prefix))).toBe(true);
    const stored = new Set(keys.map((k) => k.slice(prefix.length)));
    const master = await objectText(`${prefix}master.m3u8`);
    const playlists = master.split("\n").filter((line) => line.endsWith(".m3u8") && !line.startsWith("#"));
    const media = [...master.matchAll(/URI="([^"]+)"/g)].map((m) => m[1] as string);
    const referenced = new Set<string>(["manifest.mpd", "poster.jpg", ...playlists, ...media]);
    for (const playlist of [...playlists, ...media.filter((m) => m.endsWith(".m3u8"))]) {
      const text = await objectText(`${prefix}${playlist}`);
      for (const line of text.split("\n")) if (line && !line.startsWith("#")) referenced.add(line.trim());
      for (const m of text.matchAll(/URI="([^"]+)"/g)) referenced.add(m[1] as string);
    }
    expect([...referenced].filter((name) => !stored.has(name))).toEqual([]);
  });
});
