/**
 * No whole-source download on any node (issue 25): a real transcode of an MKV with an embedded
 * SubRip track and sound — single-node and chunked, automatic captions on — reads the upload
 * only through the loopback range server. Watched at the S3 protocol (every request of the
 * node goes through a recording proxy: no GetObject of the source without a Range header, the
 * shape of ObjectStorage.download) and on disk (no file under FARM_TMP_DIR ever reaches half
 * the source's size); the subtitle track and the captions still come out right. Real ffmpeg,
 * Postgres, S3, and the Transcribe stand-in.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { enqueueQuery } from "../../shared/jobs/enqueue.ts";
import type { FarmNode } from "../src/farm-node.ts";
import { Ffmpeg } from "../src/media/ffmpeg.ts";
import { locateMediaTools } from "../src/media/ffmpeg-locate.ts";
import { inspectSource } from "../src/media/inspect.ts";
import { ObjectStorage } from "../src/storage/object-storage.ts";
import { extractSubtitles } from "../src/subtitles/extract-subtitles.ts";
import { serveSource } from "../src/transcode/source-server.ts";
import { closeDb, db, farmConfig, newVideo, startNode, testS3 } from "./support/farm-env.ts";
import { type S3FaultProxy, startS3FaultProxy } from "./support/s3-fault-proxy.ts";
import { TranscribeStandIn } from "./support/transcribe-stand-in.ts";
import { tusUpload } from "./support/tus-upload.ts";
import { waitFor } from "./support/wait-for.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "movio-source-reads-"));
const SRT = `1
00:00:01,000 --> 00:00:02,500
Bonjour <i>tout</i> le monde

2
00:00:04,000 --> 00:00:05,200
Deuxième ligne

3
00:00:07,000 --> 00:00:08,000
Fin
`;
const SRT_DE = `1
00:00:02,000 --> 00:00:03,000
Guten Tag
`;
const EXPECTED_CUES = [
  { startMs: 1000, endMs: 2500, text: "Bonjour <i>tout</i> le monde" },
  { startMs: 4000, endMs: 5200, text: "Deuxième ligne" },
  { startMs: 7000, endMs: 8000, text: "Fin" },
];

/**
 * 9 s of 640×360 at a high bitrate (a few MB, far above any output file), a tone, and two
 * SubRip tracks (French, German): several text streams are gathered in one read of the source.
 */
function sourceClip(): Buffer {
  const srt = path.join(dir, "fr.srt");
  writeFileSync(srt, SRT);
  const srtDe = path.join(dir, "de.srt");
  writeFileSync(srtDe, SRT_DE);
  const clip = path.join(dir, "source.mkv");
  // biome-ignore format: one option per line reads better than the packed form
  execFileSync("ffmpeg", [
    "-y", "-loglevel", "error",
    "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30",
    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
    "-i", srt, "-i", srtDe,
    "-t", "9", "-map", "0", "-map", "1", "-map", "2", "-map", "3",
    "-c:v", "libx264", "-preset", "ultrafast", "-crf", "6", "-c:a", "aac", "-c:s", "srt",
    "-metadata:s:s:0", "language=fre", "-metadata:s:s:0", "title=Français",
    "-metadata:s:s:1", "language=ger",
    clip,
  ]);
  return readFileSync(clip);
}

/** The largest file seen under `root` while it runs, polled every 10 ms. */
function watchLargestFile(root: string) {
  let largest = { file: "", bytes: 0 };
  const walk = (at: string) => {
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(at, { withFileTypes: true });
    } catch {
      return; // removed meanwhile
    }
    for (const entry of entries) {
      const file = path.join(at, entry.name);
      if (entry.isDirectory()) walk(file);
      else {
        try {
          const { size } = statSync(file);
          if (size > largest.bytes) largest = { file: path.relative(root, file), bytes: size };
        } catch {
          // removed meanwhile
        }
      }
    }
  };
  const timer = setInterval(() => walk(root), 10);
  return {
    stop: () => {
      clearInterval(timer);
      walk(root);
      return largest;
    },
  };
}

let source: Buffer;
let proxy: S3FaultProxy;
let standIn: TranscribeStandIn;
const s3 = testS3();
beforeAll(async () => {
  source = sourceClip();
  proxy = await startS3FaultProxy(inject("s3Endpoint"));
  standIn = await TranscribeStandIn.start(s3);
  standIn.script = [
    { text: "Hello", startMs: 1000, endMs: 1400 },
    { text: "there.", startMs: 1400, endMs: 2000 },
  ];
}, 60_000);

let farm: { node: FarmNode; url: string } | undefined;
const logs: string[] = [];
afterEach(async () => {
  await farm?.node.close();
  farm = undefined;
});
afterAll(async () => {
  await proxy.close();
  await standIn.close();
  s3.destroy();
  await closeDb();
});

async function processThroughNode(env: Record<string, string>) {
  const tmp = mkdtempSync(path.join(dir, "farm-tmp-"));
  farm = await startNode(
    {
      JOB_POLL_MS: "100",
      S3_ENDPOINT: proxy.endpoint,
      FARM_TMP_DIR: tmp,
      AWS_TRANSCRIBE_ENDPOINT: standIn.url,
      TRANSCRIBE_POLL_BASE_MS: "100",
      TRANSCRIBE_POLL_CAP_MS: "300",
      ...env,
    },
    { work: true, log: (line) => logs.push(line) },
  );
  const { videoId, token } = await newVideo();
  // Spoken in English: the French track does not stop the automatic captions.
  await db().query("update videos set language = 'en' where id = $1", [videoId]);
  const watch = watchLargestFile(tmp);
  let largest: { file: string; bytes: number };
  try {
    await tusUpload(farm.url, token, source);
    await waitFor(
      "ready and captioned",
      async () => {
        const { rows } = await db().query<{ status: string; error: string | null; auto: string | null }>(
          `select v.status, v.error_message as error, (select t.status from subtitle_tracks t where t.video_id = v.id and t.origin = 'auto') as auto
           from videos v where v.id = $1`,
          [videoId],
        );
        const row = rows[0]!;
        if (row.status === "failed")
          throw new Error(`video ${videoId} failed: ${row.error}\n${logs.join("\n")}`);
        if (row.auto === "failed" || row.auto === "unsupported") throw new Error(`captions ${row.auto}`);
        return row.status === "ready" && row.auto === "ready" ? true : undefined;
      },
      120_000,
    );
  } finally {
    largest = watch.stop();
  }
  const { rows } = await db().query<{ source_key: string }>("select source_key from videos where id = $1", [
    videoId,
  ]);
  const sourceKey = rows[0]!.source_key;
  const reads = proxy.calls.filter((call) => call.operation === "GetObject" && call.key === sourceKey);
  return { videoId, reads, largest };
}

async function embeddedTracks(videoId: string) {
  const { rows } = await db().query<{ id: string; language: string; label: string; status: string }>(
    "select id, language, label, status from subtitle_tracks where video_id = $1 and origin = 'embedded' order by stream_index",
    [videoId],
  );
  return Promise.all(
    rows.map(async (row) => {
      const { rows: cues } = await db().query<{ start_ms: number; end_ms: number; text: string }>(
        "select start_ms, end_ms, text from subtitle_cues where track_id = $1 order by start_ms",
        [row.id],
      );
      return { ...row, cues: cues.map((c) => ({ startMs: c.start_ms, endMs: c.end_ms, text: c.text })) };
    }),
  );
}

describe("no whole-source download on any node", () => {
  it.each([
    ["single-node", {}],
    [
      "chunked",
      { CHUNK_MIN_SOURCE_S: "6", CHUNK_MIN_NODES: "1", CHUNK_SECONDS: "4", CHUNK_AUDIO_SECONDS: "6" },
    ],
  ])(
    "%s: the source is read by ranges only, the subtitle track comes out right",
    {
      timeout: 180_000,
    },
    async (_kind, env) => {
      const { videoId, reads, largest } = await processThroughNode(env);
      // The source was read (probe, poster, encode, subtitles, speech audio)…
      expect(reads.length).toBeGreaterThan(0);
      // …never as a whole download: every GetObject of it asked for a range.
      expect(reads.filter((call) => !call.range)).toEqual([]);
      // Nothing on disk came near the source's size (a download would be all of it).
      expect(largest.bytes, `largest scratch file ${largest.file}`).toBeLessThan(source.length / 2);
      expect(largest.bytes).toBeGreaterThan(0); // the watch saw the job's files

      expect(await embeddedTracks(videoId)).toMatchObject([
        { language: "fr", label: "Français", status: "ready", cues: EXPECTED_CUES },
        { language: "de", status: "ready", cues: [{ startMs: 2000, endMs: 3000, text: "Guten Tag" }] },
      ]);
    },
  );

  it("a source gone from storage fails the video with source_missing", { timeout: 60_000 }, async () => {
    farm = await startNode({ JOB_POLL_MS: "100", S3_ENDPOINT: proxy.endpoint }, { work: true });
    const { videoId } = await newVideo();
    const sourceKey = `gone-${videoId}`;
    await db().query(
      "update videos set status = 'processing', source_key = $2, source_bytes = 1000 where id = $1",
      [videoId, sourceKey],
    );
    await db().query(enqueueQuery({ type: "transcode", videoId, payload: { sourceKey } }));
    const failed = await waitFor("the video to fail", async () => {
      const { rows } = await db().query<{ status: string; error_code: string | null }>(
        "select status, error_code from videos where id = $1",
        [videoId],
      );
      return rows[0]?.status === "failed" ? rows[0] : undefined;
    });
    expect(failed.error_code).toBe("source_missing");
    expect(proxy.calls.filter((call) => call.operation === "GetObject" && call.key === sourceKey)).toEqual(
      [],
    );
  });

  it("several text streams are gathered in one read of the source, each within its size limit", {
    timeout: 60_000,
  }, async () => {
    const key = `source-reads-${crypto.randomUUID()}`;
    await s3.send(new PutObjectCommand({ Bucket: "movio", Key: key, Body: source }));
    const config = farmConfig();
    const ffmpeg = new Ffmpeg(locateMediaTools(config));
    /** The tracks extracted over the range server, and how many reads of the source that took. */
    const extract = async (streams: number, maxStreamBytes?: number) => {
      const served = await serveSource(new ObjectStorage(s3, "movio"), key);
      try {
        const info = await inspectSource(ffmpeg, served.url, config, { http: true, bytes: served.size });
        const probeReads = served.requestedOffsets().length;
        const tracks = await extractSubtitles(
          ffmpeg,
          served.url,
          { ...info, subtitleStreams: info.subtitleStreams.slice(0, streams) },
          mkdtempSync(path.join(dir, "extract-")),
          undefined,
          maxStreamBytes,
          { access: "source-over-http", sourceBytes: served.size },
        );
        return { tracks, reads: served.requestedOffsets().length - probeReads };
      } finally {
        await served.close();
      }
    };
    const one = await extract(1);
    const both = await extract(2);
    expect(both.tracks.map((t) => [t.language, t.status, t.cues.length])).toEqual([
      ["fr", "ready", 3],
      ["de", "ready", 1],
    ]);
    expect(one.reads).toBeGreaterThan(0);
    // Two streams cost the source's requests of one: read once, not once per stream.
    expect(both.reads).toBe(one.reads);

    // Gathered or not, a stream past SUBTITLE_STREAM_MAX_BYTES is refused on its own.
    const limited = await extract(2, 100);
    expect(limited.tracks.map((t) => [t.language, t.status, t.errorCode])).toEqual([
      ["fr", "unsupported", "subtitle_stream_too_large"],
      ["de", "ready", undefined],
    ]);
  });
});
