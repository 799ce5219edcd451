/**
 * Segments published as they are encoded (farm/src/transcode/segment-publisher.ts) on a real
 * farm node: real ffmpeg, Postgres and the local S3 server (behind a proxy that records every
 * call). The video plays once every stream's first segment is stored, on manifests that only
 * grow; each segment is uploaded once; the manifests are finished at the end. A node killed
 * mid-encode leaves a consistent growing manifest and the retry republishes under its own
 * attempt; a delete midway stops the encode and purges everything.
 */
import { GetObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { LIVE_DASH, LIVE_HLS, liveMediaPlaylist } from "../src/media/growing-manifests.ts";
import { bucketKeys, closeDb, db, newVideo, startNode, testS3 } from "./support/farm-env.ts";
import { spawnFarm } from "./support/farm-process.ts";
import { fixtures } from "./support/fixtures.ts";
import { type S3FaultProxy, startS3FaultProxy } from "./support/s3-fault-proxy.ts";
import { tusUpload } from "./support/tus-upload.ts";
import { waitFor } from "./support/wait-for.ts";

const cleanups: (() => Promise<unknown>)[] = [];
let s3: ReturnType<typeof testS3>;
beforeAll(() => {
  s3 = testS3();
});
afterAll(async () => {
  for (const fn of cleanups.reverse()) await fn();
  s3.destroy();
  await closeDb();
});

/** 720p: four rungs and the audio, streams 0–4. */
const STREAMS = 5;

interface Row {
  status: string;
  storage_prefix: string | null;
  media: { dash: string; hls: string; poster: string | null; playableAt?: string } | null;
}
const rowOf = async (videoId: string) =>
  (await db().query<Row>("select status, storage_prefix, media from videos where id = $1", [videoId]))
    .rows[0]!;

const read = async (key: string) => {
  const object = await s3.send(new GetObjectCommand({ Bucket: "movio", Key: key }));
  return { text: await object.Body!.transformToString(), cacheControl: object.CacheControl };
};
const readOrUndefined = (key: string) => read(key).catch(() => undefined);
const exists = (key: string) =>
  s3.send(new HeadObjectCommand({ Bucket: "movio", Key: key })).then(
    () => true,
    () => false,
  );
const listed = (playlist: string) => playlist.split("\n").filter((line) => line.startsWith("seg-"));

describe("segments published as they are encoded", () => {
  let proxy: S3FaultProxy;
  let farm: Awaited<ReturnType<typeof startNode>>;
  beforeAll(async () => {
    proxy = await startS3FaultProxy(inject("s3Endpoint"));
    cleanups.push(() => proxy.close());
    farm = await startNode({ S3_ENDPOINT: proxy.endpoint, JOB_POLL_MS: "100" }, { work: true });
  });
  // Its worker must not take the next block's job.
  afterAll(() => farm.node.close());

  it("plays after the first segments, on manifests that only grow, each segment uploaded once", async () => {
    const { videoId, token } = await newVideo();
    await tusUpload(farm.url, token, fixtures.landscape(12, "1280x720"));
    let playable: { prefix: string; playlists: string[] } | undefined;
    const snapshots: string[] = [];
    // The poster comes after the first segments: a poster the row names is always stored.
    const postersNamed: boolean[] = [];
    let row: Row;
    for (;;) {
      row = await rowOf(videoId);
      if (row.status === "processing" && row.media && row.storage_prefix) {
        const prefix = row.storage_prefix;
        if (!playable) {
          // The moment it became playable: the growing manifests, every stream listed.
          expect(row.media).toMatchObject({ dash: LIVE_DASH, hls: LIVE_HLS });
          const playlists = await Promise.all(
            Array.from(
              { length: STREAMS },
              async (_, i) => (await read(`${prefix}${liveMediaPlaylist(i)}`)).text,
            ),
          );
          playable = { prefix, playlists };
          const mpd = await read(`${prefix}${LIVE_DASH}`);
          expect(mpd.cacheControl).toBe("no-store");
          expect(mpd.text).toContain('type="dynamic"');
          expect(mpd.text.match(/<Representation /g)).toHaveLength(STREAMS);
        }
        const now = await readOrUndefined(`${prefix}${liveMediaPlaylist(0)}`);
        if (now) snapshots.push(now.text);
        if (row.media.poster) postersNamed.push(await exists(`${prefix}${row.media.poster}`));
      }
      if (row.status === "ready" || row.status === "failed") break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(row.status).toBe("ready");
    expect(playable, "never seen playable while processing").toBeDefined();
    const prefix = playable!.prefix;
    expect(row.storage_prefix).toBe(prefix);
    expect(postersNamed.every(Boolean), "the row named a poster not yet stored").toBe(true);
    expect(row.media?.poster).toBe("poster.jpg");
    expect(await exists(`${prefix}poster.jpg`)).toBe(true);

    // Playable once every stream had a segment stored: each listed one exists.
    for (const playlist of playable!.playlists) {
      expect(playlist).toContain("#EXT-X-PLAYLIST-TYPE:EVENT");
      expect(playlist).toContain("#EXT-X-START:TIME-OFFSET=0");
      expect(playlist).not.toContain("#EXT-X-ENDLIST");
      expect(listed(playlist).length).toBeGreaterThanOrEqual(1);
      for (const name of listed(playlist)) expect(await exists(`${prefix}${name}`)).toBe(true);
    }
    // It grew while processing, and only ever by appending.
    const growing = snapshots.filter((s) => !s.includes("#EXT-X-ENDLIST"));
    expect(new Set(growing).size).toBeGreaterThan(1);
    for (let i = 1; i < snapshots.length; i++) expect(snapshots[i]!.startsWith(snapshots[i - 1]!)).toBe(true);

    // Finished: the end marker, a static MPD, cached for good; a continuous 12 s timeline.
    for (let i = 0; i < STREAMS; i++) {
      const final = await read(`${prefix}${liveMediaPlaylist(i)}`);
      expect(final.text.endsWith("#EXT-X-ENDLIST\n")).toBe(true);
      expect(final.cacheControl).toContain("immutable");
      const numbers = listed(final.text).map((name) => Number(/-(\d+)\.m4s$/.exec(name)?.[1]));
      expect(numbers).toEqual(numbers.map((_, k) => k + 1));
      const seconds = [...final.text.matchAll(/#EXTINF:([\d.]+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
      expect(seconds).toBeCloseTo(12, 0);
    }
    const mpd = await read(`${prefix}${LIVE_DASH}`);
    expect(mpd.text).toContain('type="static"');
    expect(mpd.cacheControl).toContain("immutable");

    // Each segment and init segment was uploaded exactly once.
    const puts = new Map<string, number>();
    for (const call of proxy.calls) {
      if (call.operation === "PutObject" && call.key.includes(prefix) && /\.m4s$/.test(call.key)) {
        puts.set(call.key, (puts.get(call.key) ?? 0) + 1);
      }
    }
    expect(puts.size).toBe((await bucketKeys(prefix)).filter((k) => k.endsWith(".m4s")).length);
    expect([...puts.values()].every((n) => n === 1)).toBe(true);

    // An update stores only the manifests that changed: the master playlist (the same while
    // it grows) once growing and once finished; a media playlist once per segment it gained
    // at most, and once finished — not once per segment of any stream.
    const putsOf = (name: string) =>
      proxy.calls.filter((c) => c.operation === "PutObject" && c.key === `${prefix}${name}`).length;
    expect(putsOf(LIVE_HLS)).toBe(2);
    for (let i = 0; i < STREAMS; i++) {
      const final = await read(`${prefix}${liveMediaPlaylist(i)}`);
      expect(putsOf(liveMediaPlaylist(i))).toBeLessThanOrEqual(listed(final.text).length + 1);
    }
  });

  it("stops and purges everything when the video is deleted mid-encode", async () => {
    const { videoId, token } = await newVideo();
    await tusUpload(farm.url, token, fixtures.landscape(20, "1280x720"));
    await waitFor("playable", async () => ((await rowOf(videoId)).media ? true : undefined));
    // What the edge's DELETE does, in one statement.
    await db().query(
      `with gone as (update videos set deleted_at = now() where id = $1 returning id)
       insert into jobs (type, video_id) select 'purge_video', id from gone`,
      [videoId],
    );
    await waitFor(
      "the transcode to stop and the purge to remove everything",
      async () => {
        const { rows } = await db().query<{ type: string; state: string }>(
          "select type, state from jobs where video_id = $1",
          [videoId],
        );
        const settled = rows.every((r) => r.state !== "running" && r.state !== "queued");
        return settled && (await bucketKeys(`media/${videoId}/`)).length === 0 ? rows : undefined;
      },
      60_000,
    );
    const { rows } = await db().query<{ type: string; state: string }>(
      "select type, state from jobs where video_id = $1 order by type",
      [videoId],
    );
    expect(rows).toEqual([
      { type: "purge_video", state: "done" },
      { type: "transcode", state: "cancelled" },
    ]);
    // Nothing arrives late from the stopped encode.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await bucketKeys(`media/${videoId}/`)).toEqual([]);
  });
});

describe("a node killed mid-encode", () => {
  it("leaves a consistent growing manifest; the retry republishes under its own attempt", {
    timeout: 180_000,
  }, async () => {
    const uploader = await startNode();
    const { videoId, token } = await newVideo();
    await tusUpload(uploader.url, token, fixtures.landscape(20, "1280x720"));
    await uploader.node.close();

    const doomed = await spawnFarm({ FARM_NODE_ID: "doomed", JOB_LEASE_MS: "3000", JOB_POLL_MS: "100" });
    const first = await waitFor("the first attempt playable", async () => {
      const row = await rowOf(videoId);
      return row.media && row.storage_prefix ? row.storage_prefix : undefined;
    });
    await doomed.stop("SIGKILL");
    // What the dead attempt left: every segment its manifests list is stored.
    const left = await read(`${first}${liveMediaPlaylist(0)}`);
    expect(left.text).not.toContain("#EXT-X-ENDLIST");
    for (let i = 0; i < STREAMS; i++) {
      for (const name of listed((await read(`${first}${liveMediaPlaylist(i)}`)).text)) {
        expect(await exists(`${first}${name}`)).toBe(true);
      }
    }

    const rescuer = await startNode(
      { FARM_NODE_ID: "rescuer", JOB_LEASE_MS: "3000", JOB_POLL_MS: "100" },
      { work: true },
    );
    try {
      const prefixes = new Set<string>();
      const row = await waitFor(
        "the video to be ready",
        async () => {
          const r = await rowOf(videoId);
          if (r.storage_prefix) prefixes.add(r.storage_prefix);
          return r.status === "ready" || r.status === "failed" ? r : undefined;
        },
        120_000,
      );
      expect(row.status).toBe("ready");
      const second = row.storage_prefix as string;
      expect(second).toMatch(/\/2-[0-9a-f]{8}\/$/);
      // The row went from the first attempt's media to the second's, nothing in between.
      expect([...prefixes]).toEqual([first, second]);
      // The retry's own timeline is whole and continuous; its manifests name only its files.
      for (let i = 0; i < STREAMS; i++) {
        const text = (await read(`${second}${liveMediaPlaylist(i)}`)).text;
        const numbers = listed(text).map((name) => Number(/-(\d+)\.m4s$/.exec(name)?.[1]));
        expect(numbers).toEqual(numbers.map((_, k) => k + 1));
        const seconds = [...text.matchAll(/#EXTINF:([\d.]+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
        expect(seconds).toBeCloseTo(20, 0);
        for (const name of listed(text)) expect(await exists(`${second}${name}`)).toBe(true);
      }
      // The dead attempt's directory is retired after the grace (players may still be on it).
      const { rows } = await db().query<{ prefixes: string[] }>(
        "select payload->'prefixes' as prefixes from jobs where video_id = $1 and type = 'retire_media'",
        [videoId],
      );
      expect(rows.flatMap((r) => r.prefixes)).toContain(first);
    } finally {
      await rescuer.node.close();
    }
  });
});
