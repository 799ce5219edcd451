/**
 * Checks on published media as a player sees it: each rendition's segments (from the bucket)
 * joined to one fragmented MP4, its packet timestamps read back with ffprobe, and its picture
 * compared with a reference by PSNR.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { bucketKeys, testS3 } from "./farm-env.ts";

/** Every rendition under `prefix` (by representation id) joined into `dir`/<id>.mp4: init + segments in order. */
export async function joinRenditions(prefix: string, dir: string): Promise<Map<string, string>> {
  mkdirSync(dir, { recursive: true });
  const keys = await bucketKeys(prefix);
  const segments = new Map<string, string[]>();
  for (const key of keys) {
    const match = /^seg-(.+)-(\d{5})\.m4s$/.exec(key.slice(prefix.length));
    if (match) segments.set(match[1]!, [...(segments.get(match[1]!) ?? []), key]);
  }
  const joined = new Map<string, string>();
  for (const [id, segs] of segments) {
    const parts = [await readObject(`${prefix}init-${id}.m4s`)];
    for (const key of segs.sort()) parts.push(await readObject(key));
    const file = path.join(dir, `${id}.mp4`);
    writeFileSync(file, Buffer.concat(parts));
    joined.set(id, file);
  }
  return joined;
}

/** The same for a local output directory (a reference encode). */
export function joinLocalRenditions(outDir: string, dir: string): Map<string, string> {
  mkdirSync(dir, { recursive: true });
  const joined = new Map<string, string>();
  const names = readdirSync(outDir).sort();
  for (const name of names) {
    const id = /^init-(.+)\.m4s$/.exec(name)?.[1];
    if (!id) continue;
    const segs = names.filter(
      (n) => n.startsWith(`seg-${id}-`) && /^\d{5}\.m4s$/.test(n.slice(`seg-${id}-`.length)),
    );
    const file = path.join(dir, `${id}.mp4`);
    writeFileSync(file, Buffer.concat([name, ...segs].map((n) => readFileSync(path.join(outDir, n)))));
    joined.set(id, file);
  }
  return joined;
}

/** One object of the tests' bucket. */
export async function readObject(key: string): Promise<Buffer> {
  const s3 = testS3();
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: "movio", Key: key }));
    return Buffer.from(
      await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
  } finally {
    s3.destroy();
  }
}

export interface StreamTimes {
  kind: "video" | "audio";
  /** Decode timestamps in seconds, in file order. */
  dts: number[];
  /** Packet durations in seconds. */
  durations: number[];
}

export function packetTimes(file: string): StreamTimes {
  const out = execFileSync(
    "ffprobe",
    ["-v", "error", "-show_entries", "stream=codec_type:packet=dts_time,duration_time", "-of", "json", file],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  const parsed = JSON.parse(out) as {
    streams: { codec_type: string }[];
    packets: { dts_time: string; duration_time: string }[];
  };
  return {
    kind: parsed.streams[0]?.codec_type === "audio" ? "audio" : "video",
    dts: parsed.packets.map((p) => Number(p.dts_time)),
    durations: parsed.packets.map((p) => Number(p.duration_time)),
  };
}

/** The largest gap or overlap between one packet's end and the next one's decode time, in seconds. */
export function worstDiscontinuity(times: StreamTimes): number {
  let worst = 0;
  for (let i = 1; i < times.dts.length; i++) {
    // ffprobe gives no duration for an AAC priming packet (it is not played).
    if (Number.isNaN(times.durations[i - 1])) continue;
    const expected = times.dts[i - 1]! + times.durations[i - 1]!;
    worst = Math.max(worst, Math.abs(times.dts[i]! - expected));
  }
  return worst;
}

/** Average PSNR (dB) of `file`'s picture against `reference` scaled to `width`×`height`. */
export function psnr(file: string, reference: string, width: number, height: number): number {
  const run = spawnSync(
    "ffmpeg",
    [
      "-hide_banner",
      "-i",
      file,
      "-i",
      reference,
      "-lavfi",
      `[1:v]fps=30,scale=${width}:${height}:flags=bicubic,setsar=1[ref];[0:v]setsar=1[main];[main][ref]psnr`,
      "-f",
      "null",
      "-",
    ],
    { encoding: "utf8" },
  );
  const average = /PSNR .*average:([\d.]+|inf)/.exec(run.stderr)?.[1];
  if (run.status !== 0 || !average) throw new Error(`psnr failed: ${run.stderr.slice(-2000)}`);
  return average === "inf" ? Number.POSITIVE_INFINITY : Number(average);
}
