/**
 * Readers of the same source bytes share one read of storage
 * (farm/src/transcode/shared-source-reads.ts): the encode's two openings of the source fetch
 * it once from S3 (real ffmpeg, the real SDK, local S3); readers at different paces each get
 * exactly their bytes; one that falls more than the window behind moves to a read of its own
 * without holding the other up; a read that fails fails its readers once they had what came.
 */
import { createHash, randomUUID } from "node:crypto";
import { createReadStream, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createS3Client } from "../../shared/storage/s3-client.ts";
import { encodeLadder } from "../src/media/encode-ladder.ts";
import { Ffmpeg } from "../src/media/ffmpeg.ts";
import { locateMediaTools } from "../src/media/ffmpeg-locate.ts";
import { planLadder } from "../src/media/ladder.ts";
import { ObjectStorage } from "../src/storage/object-storage.ts";
import { type OpenRange, SharedSourceReads } from "../src/transcode/shared-source-reads.ts";
import { serveSource } from "../src/transcode/source-server.ts";
import { httpSourceClip, packetCount } from "./support/http-source-clip.ts";
import { joinLocalRenditions } from "./support/media-checks.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "movio-shared-reads-"));
const source = httpSourceClip(dir);
const bytes = readFileSync(source);
const sha = (data: Buffer) => createHash("sha256").update(data).digest("hex");

/** Storage as a file read in 16 KiB chunks (many chunks, as a socket gives them). */
const fileStorage =
  (file: string): OpenRange =>
  async (start, end, signal) =>
    createReadStream(file, { start, end, signal, highWaterMark: 16 * 1024 });

/** A reader taking `pause` ms per chunk; resolves to what it got. */
async function readAll(
  reads: SharedSourceReads,
  range: [number, number],
  options: { pause?: number; stop?: AbortSignal; gate?: Promise<void> } = {},
): Promise<Buffer> {
  const parts: Buffer[] = [];
  await reads.copy(
    range[0],
    range[1],
    async (data) => {
      parts.push(Buffer.from(data));
      if (options.gate) await options.gate;
      if (options.pause) await new Promise((resolve) => setTimeout(resolve, options.pause));
    },
    options.stop ?? new AbortController().signal,
  );
  return Buffer.concat(parts);
}

describe("the encode's two openings of the source", () => {
  const key = `test/shared-reads/${randomUUID()}.mp4`;
  let storage: ObjectStorage;
  beforeAll(async () => {
    const client = createS3Client({
      region: "us-east-1",
      accessKeyId: "movio-local",
      secretAccessKey: "movio-local",
      endpoint: inject("s3Endpoint"),
      forcePathStyle: true,
    });
    await client.send(new PutObjectCommand({ Bucket: "movio", Key: key, Body: bytes }));
    storage = new ObjectStorage(client, "movio", 0);
  });
  afterAll(() => storage.client.destroy());

  it("read it from storage once, and the ladder has every frame and the audio", async () => {
    const served = await serveSource(storage, key);
    const out = path.join(dir, "ladder");
    mkdirSync(out);
    try {
      await encodeLadder(new Ffmpeg(locateMediaTools({})), {
        source: served.url,
        sourceAccess: "source-over-http",
        outDir: out,
        ladder: planLadder({ width: 640, height: 360, fps: 30 }, 30),
        info: {
          interlaced: false,
          transfer: "sdr",
          audioStreams: [
            { index: 1, channels: 1, languageTag: undefined, title: undefined, isDefault: true },
          ],
        },
        loudnessTarget: -16,
        threads: 0,
        durationMs: 8000,
      });
      served.assertWhole();
    } finally {
      await served.close();
    }
    // Both openings read the whole file (ffmpeg got it twice), storage sent it about once.
    expect(served.bytesServed()).toBeGreaterThan(1.9 * bytes.length);
    expect(served.bytesFromStorage()).toBeLessThan(1.1 * bytes.length);
    const rungs = planLadder({ width: 640, height: 360, fps: 30 }, 30).rungs.length;
    const joined = joinLocalRenditions(out, path.join(dir, "joined"));
    expect(packetCount(joined.get("0") as string, "v:0")).toBe(240); // 8 s at 30 fps
    // 8 s of 48 kHz AAC: 375 frames (and the encoder's priming).
    expect(packetCount(joined.get(String(rungs)) as string, "a:0")).toBeGreaterThanOrEqual(375);
  }, 120_000);
});

describe("readers sharing a read", () => {
  it("each get exactly their bytes, at their own pace, from one read of storage", async () => {
    const reads = new SharedSourceReads(fileStorage(source));
    const end = bytes.length - 1;
    const [fast, slow] = await Promise.all([
      readAll(reads, [0, end]),
      readAll(reads, [0, end], { pause: 1 }),
    ]);
    expect(sha(fast)).toBe(sha(bytes));
    expect(sha(slow)).toBe(sha(bytes));
    expect(reads.bytesFromStorage()).toBe(bytes.length);
  });

  it("follow a read from inside its window, each with its own range", async () => {
    const reads = new SharedSourceReads(fileStorage(source));
    const first = readAll(reads, [0, bytes.length - 1], { pause: 1 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const [whole, part] = await Promise.all([first, readAll(reads, [1000, 500_000])]);
    expect(sha(whole)).toBe(sha(bytes));
    expect(sha(part)).toBe(sha(bytes.subarray(1000, 500_001)));
    expect(reads.bytesFromStorage()).toBe(bytes.length);
  });

  it("move a reader that fell more than the window behind to a read of its own, never holding the other up", async () => {
    const reads = new SharedSourceReads(fileStorage(source), 256 * 1024);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The laggard takes its first chunk, then waits until the other has read everything.
    const laggard = readAll(reads, [0, bytes.length - 1], { gate });
    const leader = await readAll(reads, [0, bytes.length - 1]);
    expect(sha(leader)).toBe(sha(bytes));
    release();
    expect(sha(await laggard)).toBe(sha(bytes));
    // The laggard's read from where it fell out of the window: more than once, less than twice.
    expect(reads.bytesFromStorage()).toBeGreaterThan(bytes.length);
  });

  it("fail their readers where storage failed, after what was received; the next copy reads afresh", async () => {
    const cut = 300_000;
    let opens = 0;
    const failing: OpenRange = async (start) => {
      opens++;
      if (opens > 1) return Readable.from([bytes.subarray(start)]);
      return Readable.from(
        (async function* () {
          for (let at = start; at < cut; at += 50_000) yield bytes.subarray(at, Math.min(cut, at + 50_000));
          throw new Error("connection reset by storage");
        })(),
      );
    };
    const reads = new SharedSourceReads(failing);
    const got: number[] = [];
    const outcomes = await Promise.allSettled(
      [0, 1].map(() =>
        reads.copy(
          0,
          bytes.length - 1,
          async (data) => {
            got.push(data.length);
          },
          new AbortController().signal,
        ),
      ),
    );
    expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected"]);
    expect(String((outcomes[0] as PromiseRejectedResult).reason)).toMatch(/connection reset by storage/);
    expect(got.reduce((a, b) => a + b, 0)).toBe(2 * cut); // each had every byte that came
    expect(opens).toBe(1);
    // ffmpeg's reconnect: a fresh read from where it stopped.
    expect(sha(await readAll(reads, [cut, bytes.length - 1]))).toBe(sha(bytes.subarray(cut)));
    expect(opens).toBe(2);
  });

  it("keep reading for one reader when the other goes away", async () => {
    const reads = new SharedSourceReads(fileStorage(source));
    const leaving = new AbortController();
    const gone = readAll(reads, [0, bytes.length - 1], { stop: leaving.signal, pause: 1 });
    const staying = readAll(reads, [0, bytes.length - 1], { pause: 1 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    leaving.abort();
    await expect(gone).rejects.toThrow();
    expect(sha(await staying)).toBe(sha(bytes));
  });
});
