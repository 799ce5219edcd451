/**
 * Upload → transcode → publish on a real farm node (ffmpeg, Postgres queue, local S3).
 */
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FarmNode } from "../src/farm-node.ts";
import { closeDb, db, newVideo, startNode, testS3 } from "./support/farm-env.ts";
import { fixtures } from "./support/fixtures.ts";
import { tusUpload } from "./support/tus-upload.ts";

let farm: { node: FarmNode; url: string };
const s3 = () => testS3();

beforeAll(async () => {
  farm = await startNode({ JOB_POLL_MS: "200" }, { work: true });
});
afterAll(async () => {
  await farm.node.close();
  await closeDb();
});

interface Settled {
  status: string;
  progress: number;
  error_code: string | null;
  error_message: string | null;
  duration_ms: number | null;
  storage_prefix: string | null;
}

async function settle(videoId: string, timeoutMs = 90_000): Promise<Settled> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { rows } = await db().query<Settled>(
      "select status, progress, error_code, error_message, duration_ms, storage_prefix from videos where id = $1",
      [videoId],
    );
    if (rows[0] && (rows[0].status === "ready" || rows[0].status === "failed")) return rows[0];
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`video ${videoId} did not settle`);
}

async function uploadAndSettle(data: Buffer) {
  const { videoId, token } = await newVideo();
  await tusUpload(farm.url, token, data);
  return { videoId, video: await settle(videoId) };
}

describe("transcoding", () => {
  it("turns a 720p upload into a DASH + HLS ladder with poster and storyboard, and records it", async () => {
    const { videoId, video } = await uploadAndSettle(fixtures.landscape(5));
    expect(video).toMatchObject({ status: "ready", progress: 100, error_code: null });
    expect(video.duration_ms).toBeGreaterThanOrEqual(4900);
    expect(video.storage_prefix).toMatch(new RegExp(`^media/${videoId}/1-[0-9a-f]{8}/$`));

    const renditions = await db().query(
      "select kind, width, height, bandwidth, codecs from renditions where video_id = $1 order by bandwidth desc",
      [videoId],
    );
    expect(renditions.rows.map((r) => [r.kind, r.height])).toEqual([
      ["video", 720],
      ["video", 480],
      ["video", 360],
      ["video", 240],
      ["audio", null],
    ]);
    expect(renditions.rows[0].codecs).toMatch(/^avc1\./);
    expect(renditions.rows[4].codecs).toBe("mp4a.40.2");

    const client = s3();
    try {
      const listed = await client.send(
        new ListObjectsV2Command({ Bucket: "movio", Prefix: video.storage_prefix ?? "" }),
      );
      const names = (listed.Contents ?? []).map((c) =>
        (c.Key ?? "").slice((video.storage_prefix ?? "").length),
      );
      for (const name of [
        "manifest.mpd",
        "master.m3u8",
        "media_0.m3u8",
        "live-manifest.mpd", // what played while it was processing, finished
        "live-master.m3u8",
        "live-media_0.m3u8",
        "live-media_4.m3u8", // the audio
        "poster.jpg",
        "storyboard.vtt",
        "storyboard-00.jpg",
        "init-0.m4s",
      ]) {
        expect(names).toContain(name);
      }
      // Aligned keyframes: every rung cut into the same number of 2-second segments.
      const segmentsPer = (rep: string) => names.filter((n) => n.startsWith(`seg-${rep}-`)).length;
      expect(segmentsPer("0")).toBeGreaterThanOrEqual(3);
      for (const rep of ["1", "2", "3", "4"]) expect(segmentsPer(rep)).toBe(segmentsPer("0"));

      const head = async (name: string) =>
        client.send(new HeadObjectCommand({ Bucket: "movio", Key: `${video.storage_prefix}${name}` }));
      expect((await head("manifest.mpd")).ContentType).toBe("application/dash+xml");
      expect((await head("master.m3u8")).ContentType).toBe("application/vnd.apple.mpegurl");
      expect((await head("seg-0-00001.m4s")).CacheControl).toContain("immutable");
      // The growing manifests, finished, never change again.
      expect((await head("live-manifest.mpd")).CacheControl).toContain("immutable");
      expect((await head("live-media_0.m3u8")).CacheControl).toContain("immutable");
      expect((await head("poster.jpg")).ContentType).toBe("image/jpeg");
      const vtt = await client.send(
        new GetObjectCommand({ Bucket: "movio", Key: `${video.storage_prefix}storyboard.vtt` }),
      );
      const text = await vtt.Body!.transformToString();
      expect(text).toMatch(/^WEBVTT/);
      expect(text).toContain("storyboard-00.jpg#xywh=0,0,160,90");
    } finally {
      client.destroy();
    }
    const job = await db().query(
      "select state, attempts from jobs where video_id = $1 and type = 'transcode'",
      [videoId],
    );
    expect(job.rows).toEqual([{ state: "done", attempts: 1 }]);
  });

  it("handles portrait video without upscaling (short side picks the rungs)", async () => {
    const { videoId, video } = await uploadAndSettle(fixtures.portrait());
    expect(video.status).toBe("ready");
    const renditions = await db().query(
      "select width, height from renditions where video_id = $1 and kind = 'video' order by height desc",
      [videoId],
    );
    expect(renditions.rows).toEqual([
      { width: 360, height: 640 },
      { width: 240, height: 426 },
    ]);
  });
});

describe("bad input fails the video with a stable code, and the farm keeps running", () => {
  const cases: [string, () => Buffer, string][] = [
    ["junk bytes named .mp4", fixtures.junk, "not_a_video"],
    ["a truncated MP4", fixtures.truncated, "not_a_video"],
    ["an MP4 whose header claims 30000×30000", fixtures.hugeHeader, "dimensions_too_large"],
    ["an audio-only file", fixtures.audioOnly, "no_video_stream"],
  ];
  for (const [name, make, code] of cases) {
    it(name, async () => {
      const { video } = await uploadAndSettle(make());
      expect(video.status).toBe("failed");
      expect(video.error_code).toBe(code);
      expect(video.error_message).toMatch(/\w+ \w+/);
    });
  }

  it("is still healthy after all of that", async () => {
    const res = await fetch(`${farm.url}/healthz`);
    expect(res.status).toBe(200);
  });
});

describe("purge after delete", () => {
  it("removes every stored object of a deleted video (media, source, tus bookkeeping)", async () => {
    const { videoId, video } = await uploadAndSettle(fixtures.portrait());
    expect(video.status).toBe("ready");
    const client = s3();
    const count = async (prefix: string) =>
      (await client.send(new ListObjectsV2Command({ Bucket: "movio", Prefix: prefix }))).KeyCount ?? 0;
    try {
      expect(await count(`media/${videoId}/`)).toBeGreaterThan(5);
      expect(await count(videoId)).toBeGreaterThan(0);
      // What the edge's DELETE does, in one statement.
      await db().query(
        `with gone as (update videos set deleted_at = now() where id = $1 returning id)
         insert into jobs (type, video_id) select 'purge_video', id from gone`,
        [videoId],
      );
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && (await count(`media/${videoId}/`)) + (await count(videoId)) > 0) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(await count(`media/${videoId}/`)).toBe(0);
      expect(await count(videoId)).toBe(0);
      const job = await db().query("select state from jobs where video_id = $1 and type = 'purge_video'", [
        videoId,
      ]);
      expect(job.rows).toEqual([{ state: "done" }]);
    } finally {
      client.destroy();
    }
  });
});
