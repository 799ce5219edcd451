/**
 * A chunked run's audio, encoded in pieces (each read by byte ranges through the loopback
 * source server, as encode_audio jobs on different nodes do) and joined, equals one encode of
 * the whole: the same AAC frames at the same timestamps, the same samples within the codec's
 * noise, no click at any join, the end where the source's is — for every track, one of them at 44.1 kHz (resampled, so its
 * joins are not on its own sample grid). And each piece reads
 * only its span of the source (with ~6 s of warm-up either side): no node reads all of it.
 * And the pieces packaged alone, as a chunked run publishes them, are the segments one
 * packaging of the whole audio gives.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AAC_FRAME_SAMPLES,
  adtsFrames,
  encodeAudioPiece,
  keptFrames,
  packageAudioPiece,
} from "../src/media/audio-pieces.ts";
import { joinChunkStreams } from "../src/media/chunk-manifests.ts";
import { encodeAudioTracks } from "../src/media/chunk-media.ts";
import type { ChunkStream } from "../src/media/chunk-segments.ts";
import { Ffmpeg } from "../src/media/ffmpeg.ts";
import { locateMediaTools } from "../src/media/ffmpeg-locate.ts";
import { parseMediaPlaylist } from "../src/media/growing-manifests.ts";
import { inspectSource, type SourceInfo } from "../src/media/inspect.ts";
import { FIRST_PREFIX } from "../src/media/published-names.ts";
import { ObjectStorage } from "../src/storage/object-storage.ts";
import { planAudioPieces } from "../src/transcode/chunk-plan.ts";
import { placeAudioPiece } from "../src/transcode/encode-audio-job.ts";
import { serveSource } from "../src/transcode/source-server.ts";
import { farmConfig, testS3 } from "./support/farm-env.ts";
import { joinAudioPieces } from "./support/join-audio-pieces.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "movio-audio-pieces-"));
const SECONDS = 60;
const sourceFile = path.join(dir, "source.mp4");
// Noisy 640×360 video (most of the file's bytes), a 440 Hz tone at 48 kHz and a 660 Hz tone
// at 44.1 kHz, interleaved as cameras write them, the index first.
execFileSync("ffmpeg", [
  ...["-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30"],
  ...["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"],
  ...["-f", "lavfi", "-i", "sine=frequency=660:sample_rate=44100"],
  ...["-t", String(SECONDS), "-map", "0:v", "-map", "1:a", "-map", "2:a"],
  ...["-vf", "noise=alls=10:allf=t", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "23"],
  ...["-c:a", "aac", "-movflags", "+faststart", sourceFile],
]);
const sourceKey = `test-audio-pieces/${crypto.randomUUID()}.mp4`;
const ffmpeg = new Ffmpeg(locateMediaTools(farmConfig()));
const s3 = testS3();
const storage = new ObjectStorage(s3, "movio");
const LOUDNESS = -16;
let info: SourceInfo;

/** Decoded samples of one track (s16le stereo), as a player would output them. */
function decode(file: string, track: number): Int16Array {
  const pcm = execFileSync(
    "ffmpeg",
    ["-v", "error", "-i", file, "-map", `0:a:${track}`, "-f", "s16le", "-ac", "2", "-ar", "48000", "-"],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return new Int16Array(pcm.buffer, pcm.byteOffset, pcm.length / 2);
}

const packets = (file: string, track: number) =>
  execFileSync("ffprobe", [
    ...["-v", "error", "-select_streams", `a:${track}`, "-show_entries", "packet=pts,duration"],
    ...["-of", "csv=p=0", file],
  ])
    .toString()
    .trim()
    .split("\n")
    .filter((line) => /^-?\d/.test(line));

/** A media segment with its fragments' sequence numbers (mfhd) zeroed: they count per packaging. */
function withoutSequenceNumbers(segment: Buffer): Buffer {
  const copy = Buffer.from(segment);
  for (let at = copy.indexOf("mfhd"); at >= 0; at = copy.indexOf("mfhd", at + 4))
    copy.writeUInt32BE(0, at + 8);
  return copy;
}

/** Signal-to-error ratio (dB) of `b` against `a` over [from, to). */
function snr(a: Int16Array, b: Int16Array, from = 0, to = a.length): number {
  let signal = 0;
  let error = 0;
  for (let i = from; i < to; i++) {
    signal += a[i]! ** 2;
    error += (a[i]! - b[i]!) ** 2;
  }
  return 10 * Math.log10(signal / Math.max(error, 1));
}

/** The largest change between consecutive samples of one channel over [from, to). */
function maxStep(x: Int16Array, from: number, to: number): number {
  let max = 0;
  for (let i = from; i + 2 < to; i++) max = Math.max(max, Math.abs(x[i + 2]! - x[i]!));
  return max;
}

beforeAll(async () => {
  await s3.send(new PutObjectCommand({ Bucket: "movio", Key: sourceKey, Body: readFileSync(sourceFile) }));
  info = await inspectSource(ffmpeg, sourceFile, farmConfig());
}, 60_000);

afterAll(() => s3.destroy());

describe("audio pieces", () => {
  it("keeps the priming frame in the first piece, drops each later piece's warm-up", () => {
    expect(keptFrames({ startFrame: 0, frames: 100, prerollFrames: 0 }, 400)).toEqual({ from: 0, to: 101 });
    expect(keptFrames({ startFrame: 100, frames: 100, prerollFrames: 100 }, 500)).toEqual({
      from: 101,
      to: 201,
    });
    expect(keptFrames({ startFrame: 200, frames: null, prerollFrames: 50 }, 170)).toEqual({
      from: 51,
      to: 170,
    });
    expect(() => adtsFrames(new Uint8Array([0xff, 0xf1, 0, 0, 0, 0, 0, 1]))).toThrow(/ADTS/);
  });

  it("joins into the single encode's frames and samples, every track, with no seam", async () => {
    expect(info.audioStreams).toHaveLength(2);
    const ladder = { audioBitrateK: 128 };
    const whole = path.join(dir, "whole.mp4");
    await encodeAudioTracks(ffmpeg, {
      source: sourceFile,
      output: whole,
      info,
      ladder,
      loudnessTarget: LOUDNESS,
    });

    // 8 s, then 16 s pieces on the segment grid (375 frames of the audio's timeline, the
    // priming frame its frame 0), so the joins fall inside the source's audio packets.
    const pieces = planAudioPieces(info.durationMs, { firstSeconds: 7, pieceSeconds: 15, segmentSeconds: 2 });
    expect(pieces.map((p) => [p.startFrame, p.frames])).toEqual([
      [0, 374],
      [374, 750],
      [1124, 750],
      [1874, 750],
      [2624, null],
    ]);
    const files: string[][] = [];
    const read: number[] = [];
    for (const piece of pieces) {
      const outputs = [0, 1].map((track) => path.join(dir, `piece-${piece.index}-${track}.aac`));
      const source = await serveSource(storage, sourceKey);
      try {
        await encodeAudioPiece(ffmpeg, {
          sourceUrl: source.url,
          outputs,
          info,
          ladder,
          loudnessTarget: LOUDNESS,
          window: piece,
        });
      } finally {
        await source.close();
      }
      read.push(source.bytesServed());
      files.push(outputs);
    }
    const joined = path.join(dir, "joined.mp4");
    await joinAudioPieces(ffmpeg, {
      pieces: files,
      tracks: 2,
      joined: (track) => path.join(dir, `joined-${track}.aac`),
      output: joined,
      durationMs: info.durationMs,
    });

    // Read by ranges: a piece reads its 10 s and ~6 s of warm-up either side, plus ffmpeg's
    // first seconds (probing), from the source's keyframe before its start (the demuxer seeks
    // every stream) and what the loopback buffers held when it stopped — not the whole source.
    const size = readFileSync(sourceFile).length;
    for (const bytes of read) expect(bytes / size).toBeLessThan(0.75);

    for (const track of [0, 1]) {
      // The same frames at the same timestamps — the priming frame at −1024, none lost or
      // doubled — the last one ending where the source does (loudnorm's own output may run up
      // to a frame longer or shorter: its length is not sample-exact from run to run).
      const wholePackets = packets(whole, track);
      const joinedPackets = packets(joined, track);
      expect(joinedPackets.slice(0, -1)).toEqual(wholePackets.slice(0, -1));
      const [lastPts, lastDuration] = joinedPackets.at(-1)!.split(",").map(Number);
      expect(lastPts).toBe(Number(wholePackets.at(-1)!.split(",")[0]));
      expect(lastPts! + lastDuration!).toBe(Math.round((info.durationMs / 1000) * 48_000));
      expect(wholePackets[0]).toMatch(/^-1024,1024/);

      const a = decode(whole, track);
      const b = decode(joined, track);
      expect(a.length / 2).toBeGreaterThanOrEqual(SECONDS * 48_000);
      expect(Math.abs(b.length - a.length)).toBeLessThan(AAC_FRAME_SAMPLES * 2);
      // Equal within the codec's noise, over the whole and at every join. The 44.1 kHz track's
      // pieces start within half a source sample (11 µs) of the grid: a 660 Hz tone then
      // differs by ~30 dB below itself, still far from a gap or a click (a frame lost or
      // doubled at a join would be ~0 dB there).
      const floor = track === 0 ? 40 : 25;
      expect(snr(a, b)).toBeGreaterThan(floor);
      for (const piece of pieces.slice(1)) {
        const at = piece.startFrame * AAC_FRAME_SAMPLES * 2; // interleaved stereo
        expect(snr(a, b, at - 4096, at + 4096)).toBeGreaterThan(floor - 10);
        // No click: the steepest step around the join is the tone's own.
        expect(maxStep(b, at - 4096, at + 4096)).toBeLessThan(maxStep(a, at - 4096, at + 4096) * 1.1 + 50);
      }
    }

    // What a chunked run publishes: each piece packaged alone and moved onto the timeline gives
    // the segments one packaging of the joined audio gives — the same names, the same bytes
    // (save each fragment's sequence number), both tracks after the smallest rung's stream.
    const published = path.join(dir, "published");
    mkdirSync(published);
    const records: { streams: ChunkStream[] }[] = [];
    for (const piece of pieces) {
      const streams = await placeAudioPiece(ffmpeg, {
        frames: files[piece.index]!,
        piece,
        durationMs: info.durationMs,
        ladder: { segmentSeconds: 2, audioBitrateK: 128 },
        streamOffset: 1,
        workDir: dir,
        outDir: published,
      });
      records.push({ streams });
    }
    const once = path.join(dir, "packaged-once");
    mkdirSync(once);
    await packageAudioPiece(ffmpeg, {
      frames: [0, 1].map((track) => path.join(dir, `joined-${track}.aac`)),
      endSample: Math.round((info.durationMs / 1000) * 48_000),
      bitrateK: 128,
      segmentSeconds: 2,
      outDir: once,
      filePrefix: FIRST_PREFIX,
    });
    const joinedStreams = joinChunkStreams(records);
    for (const track of [0, 1]) {
      const list = parseMediaPlaylist(readFileSync(path.join(once, `media_${track}.m3u8`), "utf8"))!;
      const stream = joinedStreams[track]!;
      expect(stream.init).toBe(`init-first-${track + 1}.m4s`);
      expect(readFileSync(path.join(published, stream.init))).toEqual(
        readFileSync(path.join(once, list.init)),
      );
      expect(stream.segments.map((s) => s.uri)).toEqual(
        list.segments.map((s) => s.uri.replace(`seg-first-${track}-`, `seg-first-${track + 1}-`)),
      );
      expect(stream.segments.map((s) => s.seconds)).toEqual(list.segments.map((s) => s.seconds));
      list.segments.forEach((segment, i) => {
        const mine = withoutSequenceNumbers(readFileSync(path.join(published, stream.segments[i]!.uri)));
        const theirs = withoutSequenceNumbers(readFileSync(path.join(once, segment.uri)));
        expect(mine.equals(theirs), `track ${track} segment ${segment.uri}`).toBe(true);
      });
    }
  }, 180_000);

  it("publishes nothing for a piece past the end of the source's audio", async () => {
    const empty = [0, 1].map((track) => path.join(dir, `empty-${track}.aac`));
    for (const file of empty) writeFileSync(file, "");
    const outDir = path.join(dir, "empty-out");
    mkdirSync(outDir);
    const streams = await placeAudioPiece(ffmpeg, {
      frames: empty,
      piece: { index: 3, startFrame: 1874, frames: null, prerollFrames: 282 },
      durationMs: 30_000,
      ladder: { segmentSeconds: 2, audioBitrateK: 128 },
      streamOffset: 1,
      workDir: dir,
      outDir,
    });
    expect(streams).toEqual([
      { init: "init-first-1.m4s", initSha256: "", segments: [] },
      { init: "init-first-2.m4s", initSha256: "", segments: [] },
    ]);
    expect(readdirSync(outDir)).toEqual([]);
  });
});
