/**
 * Chunked transcoding across farm nodes: two farm processes (as production runs them) share
 * one long video's chunks; the assembled renditions form one continuous timeline, equal in
 * quality to a single-node encode, and play start to end in Chromium. A failed chunk retries
 * alone, a node killed mid-chunk loses only that chunk, and deleting the video cancels them.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { joinChunkStreams } from "../src/media/chunk-manifests.ts";
import { fragmentDecodeTimes, trackTimescale } from "../src/media/chunk-segments.ts";
import { encodeLadder } from "../src/media/encode-ladder.ts";
import { Ffmpeg } from "../src/media/ffmpeg.ts";
import { locateMediaTools } from "../src/media/ffmpeg-locate.ts";
import { LIVE_DASH, liveMediaPlaylist } from "../src/media/growing-manifests.ts";
import { inspectSource } from "../src/media/inspect.ts";
import { planLadder } from "../src/media/ladder.ts";
import { STORYBOARD_TILE, storyboardLayout, storyboardThumbFilter } from "../src/media/thumbnails.ts";
import {
  planAudioPieces,
  planChunks,
  posterMaker,
  segmentNumberOffset,
} from "../src/transcode/chunk-plan.ts";
import { bucketKeys, closeDb, db, farmConfig, newVideo, testS3 } from "./support/farm-env.ts";
import { type FarmProcess, spawnFarm } from "./support/farm-process.ts";
import {
  joinLocalRenditions,
  joinRenditions,
  packetTimes,
  psnr,
  readObject,
  worstDiscontinuity,
} from "./support/media-checks.ts";
import { tusUpload } from "./support/tus-upload.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "movio-chunks-"));
const SECONDS = 13;
/**
 * 854×480 (a 480p + 360p + 240p ladder: two rungs in a chunk's `rest` part), 30 fps, a tone;
 * keyframes every 250 frames, not on chunk boundaries.
 */
const sourceFile = path.join(dir, "source.mp4");
execFileSync("ffmpeg", [
  "-loglevel",
  "error",
  "-f",
  "lavfi",
  "-i",
  "testsrc2=size=854x480:rate=30",
  "-f",
  "lavfi",
  "-i",
  "sine=frequency=440:sample_rate=48000",
  "-t",
  String(SECONDS),
  "-c:v",
  "libx264",
  "-preset",
  "veryfast",
  "-c:a",
  "aac",
  "-shortest",
  // The index first, as most uploads have it: a read past the middle is then the keyframe seek.
  "-movflags",
  "+faststart",
  sourceFile,
]);
const source = readFileSync(sourceFile);

const chunkEnv = {
  CHUNK_MIN_SOURCE_S: "6",
  // Chunked even when only one of the test's nodes is up (the one-node cases).
  CHUNK_MIN_NODES: "1",
  CHUNK_SECONDS: "4",
  // Every chunk 4 s, the first too (the cases below count and fault chunks by that grid).
  CHUNK_FIRST_SECONDS: "4",
  CHUNK_AUDIO_SECONDS: "6",
  JOB_POLL_MS: "100",
  JOB_LEASE_MS: "3000",
};
let nodes: FarmProcess[] = [];

async function startNodes(...ids: string[]): Promise<FarmProcess[]> {
  return Promise.all(ids.map((id) => spawnFarm({ ...chunkEnv, FARM_NODE_ID: id })));
}

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop("SIGKILL")));
  await closeDb();
});

interface VideoState {
  status: string;
  progress: number;
  storage_prefix: string | null;
  media: { dash?: string; poster?: string | null } | null;
  error_code: string | null;
}

const videoState = async (videoId: string) =>
  (
    await db().query<VideoState>(
      "select status, progress, storage_prefix, media, error_code from videos where id = $1",
      [videoId],
    )
  ).rows[0]!;

/**
 * Polls the video until it settles, noting every progress value, whether it played while
 * processing, and how many segments of the smallest rung its growing playlist listed each time.
 */
async function settle(videoId: string, timeoutMs = 150_000) {
  const progress = new Set<number>();
  let playableWhileProcessing = false;
  let posterWhileProcessing = false;
  const growing: number[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const state = await videoState(videoId);
    if (state.status === "processing") {
      progress.add(state.progress);
      if (state.media?.dash === LIVE_DASH) {
        playableWhileProcessing = true;
        if (state.media.poster) posterWhileProcessing = true;
        const playlist = (await readObject(`${state.storage_prefix}${liveMediaPlaylist(0)}`)).toString(
          "utf8",
        );
        if (!playlist.includes("#EXT-X-ENDLIST"))
          growing.push(playlist.match(/^seg-first-0-\d{5}\.m4s$/gm)?.length ?? 0);
      }
    }
    if (state.status === "ready" || state.status === "failed")
      return { state, progress, playableWhileProcessing, posterWhileProcessing, growing };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `video ${videoId} did not settle:\n${nodes.map((n) => n.output().slice(-3000)).join("\n---\n")}`,
  );
}

const chunkJobs = async (videoId: string) =>
  (
    await db().query<{
      id: string;
      part: string;
      idx: number;
      state: string;
      attempts: number;
      nodes: string[];
    }>(
      `select j.id, j.payload->>'part' as part, (j.payload->>'index')::int as idx, j.state, j.attempts,
              array(select a.node from job_attempts a where a.job_id = j.id order by a.id) as nodes
       from jobs j where j.video_id = $1 and j.type = 'encode_chunk' order by j.id`,
      [videoId],
    )
  ).rows;

async function upload(): Promise<string> {
  const { videoId, token } = await newVideo();
  await tusUpload(nodes[0]!.url, token, source);
  return videoId;
}

describe("chunk plan", () => {
  it("cuts on segment boundaries, a whole number of frames each, the last to the end", () => {
    const ladder = planLadder({ width: 1920, height: 1080, fps: 30 }, 30);
    const spans = { chunkSeconds: 30, firstSeconds: 30 };
    expect(planChunks(125_000, ladder, spans)).toEqual([
      { index: 0, startFrame: 0, frames: 900, prerollFrames: 0, segmentOffset: 0 },
      { index: 1, startFrame: 900, frames: 900, prerollFrames: 60, segmentOffset: 15 },
      { index: 2, startFrame: 1800, frames: 900, prerollFrames: 60, segmentOffset: 30 },
      { index: 3, startFrame: 2700, frames: 900, prerollFrames: 60, segmentOffset: 45 },
      { index: 4, startFrame: 3600, frames: null, prerollFrames: 60, segmentOffset: 60 },
    ]);
    // A short first chunk (the video plays once it is out), then chunks half as long again as
    // the one before (whole segments, rounded up: 2, 3, 5, 8, 12), up to CHUNK_SECONDS.
    expect(planChunks(95_000, ladder, { chunkSeconds: 30, firstSeconds: 4 })).toEqual([
      { index: 0, startFrame: 0, frames: 120, prerollFrames: 0, segmentOffset: 0 },
      { index: 1, startFrame: 120, frames: 180, prerollFrames: 60, segmentOffset: 2 },
      { index: 2, startFrame: 300, frames: 300, prerollFrames: 60, segmentOffset: 5 },
      { index: 3, startFrame: 600, frames: 480, prerollFrames: 60, segmentOffset: 10 },
      { index: 4, startFrame: 1080, frames: 720, prerollFrames: 60, segmentOffset: 18 },
      { index: 5, startFrame: 1800, frames: 900, prerollFrames: 60, segmentOffset: 30 },
      { index: 6, startFrame: 2700, frames: null, prerollFrames: 60, segmentOffset: 45 },
    ]);
    // CHUNK_SECONDS is rounded to whole segments (2 s each); the first is never the longer.
    expect(planChunks(10_000, ladder, { chunkSeconds: 3, firstSeconds: 8 })[1]).toMatchObject({
      startFrame: 120,
      frames: 120,
    });
    expect(planChunks(4_000, planLadder({ width: 640, height: 360, fps: 25 }, 30), spans)).toEqual([
      { index: 0, startFrame: 0, frames: null, prerollFrames: 0, segmentOffset: 0 },
    ]);
  });
});

describe("the run's poster", () => {
  it("is made by the first audio piece's job, or without audio by the chunk its frame falls in", () => {
    const ladder = planLadder({ width: 1920, height: 1080, fps: 30 }, 30);
    const chunks = planChunks(300_000, ladder, { chunkSeconds: 30, firstSeconds: 4 });
    const audioPieces = planAudioPieces(300_000, { firstSeconds: 4, pieceSeconds: 120, segmentSeconds: 2 });
    // The poster's frame at 10 s: in the third chunk (4 + 6 s before it), the second audio piece.
    expect(posterMaker({ chunks, ladder, audioPieces }, 10)).toEqual({ type: "encode_audio", index: 0 });
    expect(posterMaker({ chunks, ladder, audioPieces: [] }, 10)).toEqual({ type: "encode_chunk", index: 2 });
    expect(posterMaker({ chunks, ladder, audioPieces: [] }, 9.9)).toEqual({ type: "encode_chunk", index: 1 });
  });
});

describe("chunk segments on the video's timeline", () => {
  const chunk = (init: string, sha: string, numbers: number[]) => ({
    streams: [
      {
        init,
        initSha256: sha,
        segments: numbers.map((n) => ({ uri: `seg-0-${String(n).padStart(5, "0")}.m4s`, seconds: 2 })),
      },
    ],
  });

  it("numbers chunk k's first segment after the segments of the chunks before it, at 29.97 fps too", () => {
    const ntsc = planLadder({ width: 1920, height: 1080, fps: 29.97 }, 30);
    const chunks = planChunks(600_000, ntsc, { chunkSeconds: 30, firstSeconds: 4 });
    expect(chunks.map(segmentNumberOffset).slice(0, 8)).toEqual([0, 2, 5, 10, 18, 30, 45, 60]);
    expect(segmentNumberOffset(chunks.at(-1)!)).toBe(30 + (chunks.length - 6) * 15);
    // Each chunk is a whole number of frames, its segments' worth rounded: 120 for 2 segments,
    // 180 for 3, 300 for 5, 480 for 8, 719 for 12, then 899 for each chunk of 15.
    expect(chunks.slice(0, 8).map((c) => c.startFrame)).toEqual([0, 120, 300, 600, 1080, 1799, 2698, 3597]);
  });

  it("joins the chunks' lists, and refuses a gap or a chunk whose init segment differs", () => {
    expect(joinChunkStreams([chunk("init-0.m4s", "a", [1, 2]), chunk("init-0.m4s", "a", [3])])).toEqual([
      {
        init: "init-0.m4s",
        segments: [1, 2, 3].map((n) => ({ uri: `seg-0-0000${n}.m4s`, seconds: 2 })),
      },
    ]);
    expect(() => joinChunkStreams([chunk("init-0.m4s", "a", [1, 2]), chunk("init-0.m4s", "b", [3])])).toThrow(
      /init segment differs/,
    );
    // A part with nothing in it (an audio piece past the end of the source's audio) adds nothing.
    expect(joinChunkStreams([chunk("init-0.m4s", "a", [1, 2]), chunk("init-0.m4s", "", [])])).toEqual([
      { init: "init-0.m4s", segments: [1, 2].map((n) => ({ uri: `seg-0-0000${n}.m4s`, seconds: 2 })) },
    ]);
    expect(() => joinChunkStreams([chunk("init-0.m4s", "a", [1, 2]), chunk("init-0.m4s", "a", [4])])).toThrow(
      /gap/,
    );
  });
});

describe("one video across two farm nodes", () => {
  let videoId: string;
  let settled: Awaited<ReturnType<typeof settle>>;

  beforeAll(async () => {
    nodes = await startNodes("node-a", "node-b");
    videoId = await upload();
    settled = await settle(videoId);
  }, 200_000);

  it("shares the chunks between both nodes, plays early, counts chunks in progress and cleans up", async () => {
    expect(settled.state).toMatchObject({ status: "ready", progress: 100, error_code: null });
    const jobs = await chunkJobs(videoId);
    // 13 s in 4 s chunks: 4 chunks, each a `first` (240p) and a `rest` (480p and 360p) job.
    expect(jobs).toHaveLength(8);
    expect(jobs.every((j) => j.state === "done")).toBe(true);
    const ran = new Set(jobs.flatMap((j) => j.nodes));
    expect([...ran].sort()).toEqual(["node-a", "node-b"]);
    const assembled = await db().query(
      "select payload->>'stage' as stage, state from jobs where video_id = $1 and type = 'assemble_video' order by id",
      [videoId],
    );
    // Playable once the first chunk's smallest rung and the audio over it were out, the growing
    // manifests extended by the later parts, then the final manifests.
    const stages = assembled.rows.map((row) => row.stage);
    expect(stages[0]).toBe("playable");
    expect(stages.at(-1)).toBe("final");
    expect(stages.slice(1, -1).every((stage) => stage === "grow")).toBe(true);
    expect(assembled.rows.every((row) => row.state === "done")).toBe(true);
    // The audio in its own jobs (13 s: an 8 s piece over the first chunk, then the rest: 2),
    // queued in the chunks' transaction, and the chunks' smallest rungs claimed in timeline
    // order (the start plays first).
    const queued = await db().query<{
      type: string;
      idx: number;
      part: string | null;
      state: string;
      same: boolean;
    }>(
      `select type, (payload->>'index')::int as idx, payload->>'part' as part, state,
              created_at = (select min(created_at) from jobs where video_id = $1 and type = 'encode_chunk') as same
       from jobs where video_id = $1 and type in ('encode_audio', 'encode_chunk') order by id`,
      [videoId],
    );
    const audioJobs = queued.rows.filter((j) => j.type === "encode_audio");
    expect(audioJobs.map((j) => [j.idx, j.state])).toEqual([
      [0, "done"],
      [1, "done"],
    ]);
    expect(queued.rows.every((j) => j.same)).toBe(true);
    const claimed = await db().query<{ idx: number }>(
      `select (j.payload->>'index')::int as idx from jobs j
       where j.video_id = $1 and j.type = 'encode_chunk' and j.payload->>'part' = 'first'
       order by (select min(a.id) from job_attempts a where a.job_id = j.id)`,
      [videoId],
    );
    expect(claimed.rows.map((r) => r.idx)).toEqual([0, 1, 2, 3]);
    // No node read the whole source for the audio: each piece read a part of it.
    const pieceReads = nodes.flatMap((n) => [
      ...n.output().matchAll(/audio piece \d+: read (\d+) of (\d+) source bytes/g),
    ]);
    expect(pieceReads).toHaveLength(2);
    expect(settled.playableWhileProcessing).toBe(true);
    // The poster came while it played (the playable stage does not wait for it).
    expect(settled.posterWhileProcessing).toBe(true);
    // Its growing playlist only grew (on two nodes the chunks may all be out by the time it
    // plays; the one-node case below checks it played before they were).
    expect(settled.growing).toEqual([...settled.growing].sort((a, b) => a - b));
    // Ready keeps the time it became playable (the playable stage's), before it was ready.
    const times = await db().query<{ playable: Date; ready: Date }>(
      "select (media->>'playableAt')::timestamptz as playable, ready_at as ready from videos where id = $1",
      [videoId],
    );
    expect(times.rows[0]!.playable.getTime()).toBeLessThan(times.rows[0]!.ready.getTime());
    // A chunk reads only its part of the source: the last one (12–13 s; its warm-up GOP needs
    // the keyframe at 8.3 s) asks for bytes from well past the middle of the file, not from 0.
    const offsets = nodes
      .flatMap((n) => [
        ...n
          .output()
          .matchAll(/chunk 3 \((?:first|rest)\): read from offsets ([\d,]+) of (\d+) source bytes/g),
      ])
      .map((m) => Math.max(...(m[1] ?? "0").split(",").map(Number)) / Number(m[2]));
    expect(offsets).toHaveLength(2);
    for (const share of offsets) expect(share).toBeGreaterThan(0.5);
    expect(settled.progress.size).toBeGreaterThanOrEqual(3);
    // The run's rows and chunk files are gone; the published media stays.
    expect((await db().query("select 1 from transcode_runs where video_id = $1", [videoId])).rowCount).toBe(
      0,
    );
    // The chunk files are removed right after the publish.
    const stored = await waitForValue(async () => {
      const listed = await bucketKeys(`media/${videoId}/`);
      return listed.some((k) => k.includes("/chunks-")) ? undefined : listed;
    }, 10_000);
    expect(stored.every((k) => k.startsWith(settled.state.storage_prefix ?? "?"))).toBe(true);
    const renditions = await db().query(
      "select kind, height, bandwidth from renditions where video_id = $1 order by bandwidth desc",
      [videoId],
    );
    expect(renditions.rows).toEqual([
      { kind: "video", height: 480, bandwidth: 1400000 },
      { kind: "video", height: 360, bandwidth: 800000 },
      { kind: "video", height: 240, bandwidth: 400000 },
      { kind: "audio", height: null, bandwidth: 128000 },
    ]);
  });

  it("assembles one continuous timeline per rendition, equal in quality to a single-node encode", async () => {
    const prefix = settled.state.storage_prefix as string;
    const chunked = await joinRenditions(prefix, path.join(dir, "chunked"));
    // The reference: the same ladder encoded in one piece on one node.
    const ffmpeg = new Ffmpeg(locateMediaTools(farmConfig()));
    const config = farmConfig();
    const info = await inspectSource(ffmpeg, sourceFile, config);
    const ladder = planLadder(info, config.LADDER_MAX_FPS);
    const refOut = path.join(dir, "reference-out");
    execFileSync("mkdir", ["-p", refOut]);
    await encodeLadder(ffmpeg, {
      source: sourceFile,
      outDir: refOut,
      ladder,
      info,
      loudnessTarget: config.LOUDNESS_TARGET,
      threads: 0,
      durationMs: info.durationMs,
    });
    const reference = joinLocalRenditions(refOut, path.join(dir, "reference"));

    // Chunked ids: "0" and "1" are 480p and 360p (the rest), "first-0" 240p and "first-1" the
    // audio (the first stage); the reference's 0, 1, 2 are the rungs in ladder order.
    const pairs: [string, number][] = [
      ["0", 0],
      ["1", 1],
      ["first-0", 2],
    ];
    for (const [chunkedId, rung] of pairs) {
      const refId = String(rung);
      const { width, height } = ladder.rungs[rung]!;
      const file = chunked.get(chunkedId);
      expect(file, `rendition ${chunkedId}`).toBeDefined();
      const times = packetTimes(file as string);
      expect(times.kind).toBe("video");
      expect(times.dts).toHaveLength(SECONDS * 30);
      // No gap or overlap beyond one frame anywhere, chunk boundaries included.
      expect(worstDiscontinuity(times)).toBeLessThan(1 / 30);
      expect(times.dts.at(-1)! - times.dts[0]!).toBeCloseTo(SECONDS - 1 / 30, 1);
      const mine = psnr(file as string, sourceFile, width, height);
      const theirs = psnr(reference.get(refId) as string, sourceFile, width, height);
      expect(Math.abs(mine - theirs), `${height}p PSNR ${mine} vs ${theirs}`).toBeLessThanOrEqual(0.3);
    }
    // The storyboard the chunks' thumbnails tile into shows the same moments as one made from
    // the single encode's smallest rung (a thumbnail a second off would not match: the picture moves).
    const boardDir = path.join(dir, "reference-board");
    execFileSync("mkdir", ["-p", boardDir]);
    const smallest = ladder.rungs[2]!;
    // The sheets of one run over the whole smallest rendition.
    await ffmpeg.run({
      inputs: [{ path: reference.get("2") as string, access: "own-output" }],
      outputOptions: [
        "-vf",
        `${storyboardThumbFilter(
          storyboardLayout({ durationMs: info.durationMs, width: smallest.width, height: smallest.height }),
        )},${STORYBOARD_TILE}`,
        ...["-q:v", "5", "-start_number", "0"],
      ],
      output: path.join(boardDir, "storyboard-%02d.jpg"),
    });
    const board = path.join(dir, "chunked-board.jpg");
    writeFileSync(board, await readObject(`${prefix}storyboard-00.jpg`));
    const boardPsnr = imagePsnr(board, path.join(boardDir, "storyboard-00.jpg"));
    expect(boardPsnr).toBeGreaterThan(30); // measured 37.9 dB; a second off: 24.2
    const audio = packetTimes(chunked.get("first-1") as string);
    expect(audio.kind).toBe("audio");
    expect(worstDiscontinuity(audio)).toBeLessThan(0.001);
    expect(audio.dts.at(-1)! - audio.dts[0]!).toBeGreaterThan(SECONDS - 0.1);
    // Segment numbering runs on across chunks: 7 segments of 2 s for 13 s.
    const segments = (await bucketKeys(prefix)).filter((k) => /\/seg-0-\d{5}\.m4s$/.test(k));
    expect(segments.map((k) => k.slice(-9, -4))).toEqual([
      "00001",
      "00002",
      "00003",
      "00004",
      "00005",
      "00006",
      "00007",
    ]);
  });

  it("publishes every video segment once, from its chunk job, on one decode timeline: assembly writes manifests", async () => {
    const prefix = settled.state.storage_prefix as string;
    const objects = await listObjects(prefix);
    const assemblyStart = async (stage: string) =>
      (
        await db().query<{ started: Date }>(
          `select min(a.started_at) as started from job_attempts a join jobs j on j.id = a.job_id
           where j.video_id = $1 and j.type = 'assemble_video' and j.payload->>'stage' = $2`,
          [videoId, stage],
        )
      ).rows[0]!.started.getTime();
    const playableStart = await assemblyStart("playable");
    const finalStart = await assemblyStart("final");
    const video = (id: string) =>
      objects.filter((o) => new RegExp(`^(?:init-${id}|seg-${id}-\\d{5})\\.m4s$`).test(o.name));
    // The first chunk's smallest rung (2 segments + init) was stored before the playable stage
    // began, every other segment — the audio's too, by its pieces — before the final one: no
    // stage wrote a media byte.
    expect(video("first-0")).toHaveLength(8);
    for (const o of video("first-0").filter((o) => /(?:init-first-0|0000[12])\.m4s$/.test(o.name))) {
      expect(o.modified, o.name).toBeLessThan(playableStart);
    }
    expect(video("first-1")).toHaveLength(8);
    for (const id of ["0", "1", "first-0", "first-1"]) {
      expect(video(id)).toHaveLength(8);
      for (const o of video(id)) expect(o.modified, o.name).toBeLessThan(finalStart);
    }
    const media = objects.filter((o) => o.name.endsWith(".m4s"));
    expect(media.filter((o) => o.modified >= finalStart)).toEqual([]);
    // Each segment's tfdt is where it sits on the video's timeline, across every chunk join.
    for (const id of ["0", "1", "first-0"]) {
      const timescale = BigInt(trackTimescale(await readObject(`${prefix}init-${id}.m4s`)));
      for (let n = 1; n <= 7; n++) {
        const segment = await readObject(`${prefix}seg-${id}-${String(n).padStart(5, "0")}.m4s`);
        expect(fragmentDecodeTimes(segment), `${id} segment ${n}`).toEqual([BigInt(n - 1) * 2n * timescale]);
      }
    }
    // The storyboard tiled from the chunks' own thumbnails (a second each: 13 cues on one sheet).
    const vtt = (await readObject(`${prefix}storyboard.vtt`)).toString("utf8");
    expect(vtt.match(/-->/g)).toHaveLength(13);
    expect(vtt).toContain("00:00:12.000 --> 00:00:13.000\nstoryboard-00.jpg#xywh=320,90,160,90");
    expect(objects.filter((o) => /^storyboard-\d+\.jpg$/.test(o.name))).toHaveLength(1);
    // The manifests list exactly those segments.
    const playlist = (await readObject(`${prefix}media_0.m3u8`)).toString("utf8");
    expect(playlist.match(/^seg-0-\d{5}\.m4s$/gm)).toEqual(
      [1, 2, 3, 4, 5, 6, 7].map((n) => `seg-0-0000${n}.m4s`),
    );
    expect(playlist).toContain("#EXT-X-ENDLIST");
    expect((await readObject(`${prefix}manifest.mpd`)).toString("utf8")).toContain(
      'mediaPresentationDuration="PT13.000S"',
    );
    // The growing manifests ended with every segment, for a player that loaded them.
    const live = (await readObject(`${prefix}${liveMediaPlaylist(0)}`)).toString("utf8");
    expect(live.match(/^seg-first-0-\d{5}\.m4s$/gm)).toHaveLength(7);
    expect(live).toContain("#EXT-X-ENDLIST");
    const liveAudio = (await readObject(`${prefix}${liveMediaPlaylist(1)}`)).toString("utf8");
    expect(liveAudio.match(/^seg-first-1-\d{5}\.m4s$/gm)).toHaveLength(7);
    expect((await readObject(`${prefix}${LIVE_DASH}`)).toString("utf8")).toContain('type="static"');
  });

  it.each([
    ["dash.js", "manifest.mpd"],
    ["hls.js", "master.m3u8"],
  ])(
    "plays start to end in Chromium with %s (%s) without stalling at a chunk boundary",
    async (player, manifest) => {
      const prefix = settled.state.storage_prefix as string;
      const server = await serveBucketPrefix(prefix);
      const browser = await chromium.launch({
        executablePath: "/usr/bin/chromium",
        args: ["--autoplay-policy=no-user-gesture-required"],
      });
      try {
        const page = await browser.newPage();
        await page.goto(`${server.url}/player.html`);
        const result = await page.evaluate(
          ({ player, manifest }) =>
            new Promise<{ ended: boolean; stalls: number[]; crossed: number[] }>((resolve) => {
              interface Video {
                currentTime: number;
                muted: boolean;
                playbackRate: number;
                play(): Promise<void>;
                addEventListener(event: string, listener: () => void): void;
              }
              const page = globalThis as unknown as {
                document: { querySelector(selector: string): Video };
                dashjs: {
                  MediaPlayer(): { create(): { initialize(v: Video, url: string, autoplay: boolean): void } };
                };
                Hls: new () => { loadSource(url: string): void; attachMedia(v: Video): void };
              };
              const video = page.document.querySelector("video");
              const stalls: number[] = [];
              const crossed = new Set<number>();
              video.muted = true;
              if (player === "dash.js") page.dashjs.MediaPlayer().create().initialize(video, manifest, true);
              else {
                const hls = new page.Hls();
                hls.loadSource(manifest);
                hls.attachMedia(video);
                video.play().catch(() => undefined);
              }
              video.playbackRate = 2;
              video.addEventListener("playing", () => {
                video.playbackRate = 2;
              });
              video.addEventListener("waiting", () => {
                if (video.currentTime > 0.2) stalls.push(video.currentTime);
              });
              video.addEventListener("timeupdate", () => {
                for (const boundary of [4, 8, 12]) if (video.currentTime > boundary) crossed.add(boundary);
              });
              video.addEventListener("ended", () => resolve({ ended: true, stalls, crossed: [...crossed] }));
              setTimeout(() => resolve({ ended: false, stalls, crossed: [...crossed] }), 40_000);
            }),
          { player, manifest },
        );
        expect(result).toEqual({ ended: true, stalls: [], crossed: [4, 8, 12] });
      } finally {
        await browser.close();
        server.close();
      }
    },
    60_000,
  );
});

/**
 * Serves one video's directory from the bucket, each request read when it comes (so growing
 * manifests are served as they are now, uncached), and a page with dash.js, hls.js and Shaka
 * Player, on loopback.
 */
async function serveBucketPrefix(prefix: string) {
  const dashjs = readFileSync(
    path.join(import.meta.dirname, "../../node_modules/dashjs/dist/modern/umd/dash.all.min.js"),
  );
  const hlsjs = readFileSync(path.join(import.meta.dirname, "../../node_modules/hls.js/dist/hls.min.js"));
  const shaka = readFileSync(
    path.join(import.meta.dirname, "../../node_modules/shaka-player/dist/shaka-player.compiled.js"),
  );
  const players = new Map([
    ["dash.js", dashjs],
    ["hls.js", hlsjs],
    ["shaka.js", shaka],
  ]);
  const server = http.createServer((req, res) => {
    const name = (req.url ?? "/").slice(1).split("?")[0] ?? "";
    if (name === "player.html") {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(
        '<!doctype html><video controls width="640"></video><script src="dash.js"></script><script src="hls.js"></script><script src="shaka.js"></script>',
      );
    } else if (players.has(name)) {
      res.writeHead(200, { "content-type": "text/javascript" });
      res.end(players.get(name));
    } else {
      const type = name.endsWith(".mpd")
        ? "application/dash+xml"
        : name.endsWith(".m3u8")
          ? "application/vnd.apple.mpegurl"
          : "video/mp4";
      readObject(`${prefix}${name}`).then(
        (body) => res.writeHead(200, { "content-type": type, "cache-control": "no-store" }).end(body),
        () => res.writeHead(404).end(),
      );
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

describe("a chunked video while its later chunks encode", () => {
  beforeAll(async () => {
    // One node: the later chunks encode while the players play the first — a short one (one
    // segment: CHUNK_FIRST_SECONDS), then chunks half as long again each (CHUNK_GROWTH): 4 s,
    // then 6 s, the rest (1 s) last. Joins at 2, 6 and 12 s.
    await Promise.all(nodes.map((n) => n.stop("SIGKILL")));
    nodes = [
      await spawnFarm({
        ...chunkEnv,
        CHUNK_FIRST_SECONDS: "2",
        CHUNK_SECONDS: "6",
        FARM_NODE_ID: "node-growing",
      }),
    ];
  });

  it("plays from 0 in Chromium with hls.js, dash.js and Shaka on the growing manifests, across chunk joins", async () => {
    const videoId = await upload();
    const deadline = Date.now() + 60_000;
    let state = await videoState(videoId);
    while (!(state.status === "processing" && state.media?.dash === LIVE_DASH)) {
      if (Date.now() > deadline || state.status !== "processing")
        throw new Error(`not playable: ${state.status}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      state = await videoState(videoId);
    }
    const prefix = state.storage_prefix as string;
    // The players load manifests that are still growing: not every chunk is in them yet.
    const atLoad = (await readObject(`${prefix}${liveMediaPlaylist(0)}`)).toString("utf8");
    expect(atLoad).not.toContain("#EXT-X-ENDLIST");
    expect(atLoad.match(/^seg-first-0-\d{5}\.m4s$/gm)?.length ?? 0).toBeLessThan(7);
    const server = await serveBucketPrefix(prefix);
    const browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: ["--autoplay-policy=no-user-gesture-required"],
    });
    try {
      const play = async (player: "hls.js" | "dash.js" | "shaka") => {
        const page = await browser.newPage();
        await page.goto(`${server.url}/player.html`);
        return page.evaluate(
          ({ player, manifest }) =>
            new Promise<{
              firstPlaying: number | null;
              errors: string[];
              crossed: number[];
              reached: number;
            }>((resolve) => {
              interface Video {
                currentTime: number;
                muted: boolean;
                error: { message: string } | null;
                play(): Promise<void>;
                addEventListener(event: string, listener: () => void): void;
              }
              const page = globalThis as unknown as {
                document: { querySelector(selector: string): Video };
                dashjs: {
                  MediaPlayer: (() => {
                    create(): {
                      updateSettings(settings: unknown): void;
                      on(event: string, listener: (e: { error?: { message?: string } }) => void): void;
                      initialize(v: Video, url: string, autoplay: boolean, start: number): void;
                    };
                  }) & { events: { ERROR: string } };
                };
                shaka: {
                  polyfill: { installAll(): void };
                  Player: new () => {
                    attach(v: Video): Promise<void>;
                    load(url: string, start: number): Promise<void>;
                    addEventListener(
                      event: string,
                      listener: (e: { detail: { code: number } }) => void,
                    ): void;
                  };
                };
                Hls: {
                  new (
                    config: unknown,
                  ): {
                    on(
                      event: string,
                      listener: (e: unknown, data: { fatal: boolean; details: string }) => void,
                    ): void;
                    loadSource(url: string): void;
                    attachMedia(v: Video): void;
                  };
                  Events: { ERROR: string };
                };
              };
              const video = page.document.querySelector("video");
              const errors: string[] = [];
              const crossed = new Set<number>();
              let firstPlaying: number | null = null;
              video.muted = true;
              video.addEventListener("playing", () => {
                if (firstPlaying === null) firstPlaying = video.currentTime;
              });
              video.addEventListener("error", () => errors.push(`media element: ${video.error?.message}`));
              if (player === "shaka") {
                page.shaka.polyfill.installAll();
                const shaka = new page.shaka.Player();
                shaka.addEventListener("error", (e) => errors.push(`shaka: ${e.detail.code}`));
                shaka
                  .attach(video)
                  .then(() => shaka.load(manifest, 0))
                  .then(() => video.play())
                  .catch((e: { code?: number; message?: string }) =>
                    errors.push(`shaka: ${e.code ?? e.message}`),
                  );
              } else if (player === "dash.js") {
                const dash = page.dashjs.MediaPlayer().create();
                dash.updateSettings({ streaming: { timeShiftBuffer: { calcFromSegmentTimeline: true } } });
                dash.on(page.dashjs.MediaPlayer.events.ERROR, (e) =>
                  errors.push(`dash.js: ${e.error?.message}`),
                );
                dash.initialize(video, manifest, true, 0);
              } else {
                const hls = new page.Hls({ startPosition: 0 });
                hls.on(page.Hls.Events.ERROR, (_e, data) => {
                  if (data.fatal) errors.push(`hls.js: ${data.details}`);
                });
                hls.loadSource(manifest);
                hls.attachMedia(video);
                video.play().catch(() => undefined);
              }
              const done = () =>
                resolve({ firstPlaying, errors, crossed: [...crossed], reached: video.currentTime });
              video.addEventListener("timeupdate", () => {
                for (const boundary of [2, 6, 12]) if (video.currentTime > boundary) crossed.add(boundary);
                if (video.currentTime > 12.5) done();
              });
              setTimeout(done, 60_000);
            }),
          { player, manifest: player === "hls.js" ? "live-master.m3u8" : "live-manifest.mpd" },
        );
      };
      const results = await Promise.all([play("hls.js"), play("dash.js"), play("shaka")]);
      for (const result of results) {
        expect(result.errors).toEqual([]);
        expect(result.firstPlaying).not.toBeNull();
        expect(result.firstPlaying!).toBeLessThan(1);
        expect(result.crossed).toEqual([2, 6, 12]);
      }
    } finally {
      await browser.close();
      server.close();
    }
    expect((await settle(videoId)).state.status).toBe("ready");
  }, 150_000);
});

describe("faults", () => {
  beforeAll(async () => {
    await Promise.all(nodes.map((n) => n.stop("SIGKILL")));
    nodes = [];
  });

  it("retries a failed chunk alone", async () => {
    // An ffmpeg that fails the first time it is asked for the chunk starting at 4 s.
    const marker = path.join(dir, "failed-once");
    const wrapper = path.join(dir, "ffmpeg-failing-once");
    const realFfmpeg = locateMediaTools(farmConfig()).ffmpeg.path;
    writeFileSync(
      wrapper,
      `#!/bin/sh\ncase "$*" in *"-ss 1.991667"*) if [ ! -e ${marker} ]; then touch ${marker}; echo "injected failure" >&2; exit 1; fi;; esac\nexec ${realFfmpeg} "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
    nodes = await Promise.all([spawnFarm({ ...chunkEnv, FARM_NODE_ID: "node-c", FFMPEG_PATH: wrapper })]);
    const videoId = await upload();
    const { state } = await settle(videoId);
    expect(state.status).toBe("ready");
    const jobs = await chunkJobs(videoId);
    const retried = jobs.filter((j) => j.attempts > 1);
    // The first chunk job to start at 4 s failed once and ran again; no other job ran twice.
    expect(retried).toHaveLength(1);
    expect(retried[0]).toMatchObject({ idx: 1, attempts: 2, state: "done" });
    const attempts = await db().query("select outcome from job_attempts where job_id = $1 order by attempt", [
      retried[0]!.id,
    ]);
    expect(attempts.rows.map((r) => r.outcome)).toEqual(["retry", "done"]);
  }, 200_000);

  it("loses only the chunk a killed node was encoding", async () => {
    await Promise.all(nodes.map((n) => n.stop("SIGKILL")));
    // node-d hangs in the first chunk encode it starts, so it is surely killed mid-chunk.
    const hanging = path.join(dir, "ffmpeg-hanging");
    const realFfmpeg = locateMediaTools(farmConfig()).ffmpeg.path;
    writeFileSync(
      hanging,
      `#!/bin/sh\ncase "$*" in *setpts=PTS-STARTPTS*) sleep 600;; esac\nexec ${realFfmpeg} "$@"\n`,
    );
    chmodSync(hanging, 0o755);
    nodes = [
      await spawnFarm({ ...chunkEnv, FARM_NODE_ID: "node-d", FFMPEG_PATH: hanging }),
      await spawnFarm({ ...chunkEnv, FARM_NODE_ID: "node-e" }),
    ];
    const videoId = await upload();
    const running = await waitForValue(async () => {
      const { rows } = await db().query<{ id: string }>(
        "select id from jobs where video_id = $1 and type = 'encode_chunk' and state = 'running' and locked_by = 'node-d' limit 1",
        [videoId],
      );
      return rows[0]?.id;
    });
    await nodes[0]!.stop("SIGKILL");
    const { state } = await settle(videoId);
    expect(state.status).toBe("ready");
    const jobs = await chunkJobs(videoId);
    const killed = jobs.find((j) => j.id === running)!;
    // Its lease lapsed; node-e took it over. Every other job ran once.
    expect(killed.nodes).toEqual(["node-d", "node-e"]);
    expect(jobs.filter((j) => j.id !== running && j.attempts > 1)).toEqual([]);
    const outcomes = await db().query(
      "select node, outcome from job_attempts where job_id = $1 order by attempt",
      [running],
    );
    expect(outcomes.rows).toEqual([
      { node: "node-d", outcome: "lost" },
      { node: "node-e", outcome: "done" },
    ]);
  }, 200_000);

  it("cancels the chunks when the video is deleted, and removes its files", async () => {
    await Promise.all(nodes.map((n) => n.stop("SIGKILL")));
    nodes = await startNodes("node-f");
    const videoId = await upload();
    await waitForValue(async () => {
      const { rows } = await db().query(
        "select 1 from jobs where video_id = $1 and type = 'encode_chunk' and state = 'running'",
        [videoId],
      );
      return rows[0] ? true : undefined;
    });
    // What the edge's DELETE does, in one statement.
    await db().query(
      `with gone as (update videos set deleted_at = now() where id = $1 returning id)
       insert into jobs (type, video_id) select 'purge_video', id from gone`,
      [videoId],
    );
    // Queued ones at once, the running one at its next heartbeat (or done, if it just finished).
    await waitForValue(async () => {
      const jobs = await chunkJobs(videoId);
      return jobs.every((j) => j.state === "cancelled" || j.state === "done") ? true : undefined;
    }, 30_000);
    const states = (await chunkJobs(videoId)).map((j) => j.state);
    expect(states.filter((s) => s === "cancelled").length).toBeGreaterThanOrEqual(states.length - 1);
    await waitForValue(
      async () => ((await bucketKeys(`media/${videoId}/`)).length === 0 ? true : undefined),
      30_000,
    );
    expect((await db().query("select 1 from transcode_runs where video_id = $1", [videoId])).rowCount).toBe(
      0,
    );
  }, 120_000);
});

async function waitForValue<T>(probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out:\n${nodes.map((n) => n.output().slice(-3000)).join("\n---\n")}`);
}

/** Every object under `prefix`: its name below it and when it was last written. */
async function listObjects(prefix: string) {
  const s3 = testS3();
  try {
    const objects: { name: string; modified: number }[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: "movio", Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) {
        objects.push({ name: (o.Key ?? "").slice(prefix.length), modified: o.LastModified?.getTime() ?? 0 });
      }
      token = page.NextContinuationToken;
    } while (token);
    return objects;
  } finally {
    s3.destroy();
  }
}

/** PSNR (dB) of one picture against another of the same size. */
function imagePsnr(file: string, reference: string): number {
  const run = spawnSync(
    "ffmpeg",
    ["-hide_banner", "-i", file, "-i", reference, "-lavfi", "psnr", "-f", "null", "-"],
    {
      encoding: "utf8",
    },
  );
  const average = /PSNR .*average:([\d.]+|inf)/.exec(run.stderr)?.[1];
  if (run.status !== 0 || !average) throw new Error(`psnr failed: ${run.stderr.slice(-2000)}`);
  return average === "inf" ? Number.POSITIVE_INFINITY : Number(average);
}
