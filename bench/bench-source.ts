/**
 * The generated source bench/playable and bench/chunks upload: testsrc2 with fixed-seed noise
 * and a tone, x264 veryfast at a CRF (20: ~33 Mbit/s at 1080p, "camera-like"). The same
 * arguments always make the same file, so with a cache directory (BENCH_CACHE) a run reuses
 * the one an earlier run made (a 60 s 1080p source takes ~2 min to make on 2 cores).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, rename } from "node:fs/promises";
import path from "node:path";

export async function benchSource(options: {
  seconds: number;
  size: string;
  crf: number;
  /** Where the source is written when there is no cache. */
  workDir: string;
  cacheDir?: string | undefined;
}): Promise<string> {
  const { seconds, size, crf } = options;
  const name = `source-${size}-${seconds}s-crf${crf}.mp4`;
  const source = path.join(options.cacheDir ?? options.workDir, name);
  if (options.cacheDir) await mkdir(options.cacheDir, { recursive: true });
  if (existsSync(source)) return source;
  console.log(`generating a ${seconds} s ${size} source (testsrc2 + noise, CRF ${crf}, a tone)…`);
  const partial = `${source}.partial.mp4`;
  execFileSync("ffmpeg", [
    ...["-loglevel", "error", "-y", "-f", "lavfi", "-i", `testsrc2=size=${size}:rate=30`],
    ...["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", String(seconds)],
    ...["-vf", "noise=alls=6:allf=t:all_seed=14", "-c:v", "libx264", "-preset", "veryfast"],
    ...["-crf", String(crf), "-c:a", "aac", "-shortest", partial],
  ]);
  await rename(partial, source);
  return source;
}
