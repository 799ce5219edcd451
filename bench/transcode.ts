/**
 * bench/transcode: our one-pass ladder against the common baseline (one ffmpeg per
 * rendition, each decoding and scaling the source itself), on a generated 1080p clip, in
 * the same process. Prints CPU seconds and wall time per source second for both, the
 * ratios, and PSNR per rung for both (quality must match within ±0.3 dB).
 *
 *   npm run bench:transcode            # 10 s clip
 *   BENCH_SECONDS=20 npm run bench:transcode
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { encodeFirstPlayable } from "../farm/src/media/encode-first-playable.ts";
import { type EncodeSource, encodeArgs } from "../farm/src/media/encode-ladder.ts";
import { Ffmpeg } from "../farm/src/media/ffmpeg.ts";
import { locateMediaTools } from "../farm/src/media/ffmpeg-locate.ts";
import { type Ladder, planLadder, type Rung } from "../farm/src/media/ladder.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const tools = locateMediaTools(process.env);
const ffmpeg = new Ffmpeg(tools);

/** CPU seconds used by finished child processes (ffmpeg), from /proc/self/stat. */
function childCpuSeconds(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

async function measure(work: () => Promise<void>): Promise<{ cpu: number; wall: number }> {
  const cpu0 = childCpuSeconds();
  const t0 = performance.now();
  await work();
  return { cpu: childCpuSeconds() - cpu0, wall: (performance.now() - t0) / 1000 };
}

/** Average PSNR of a rendition against the source scaled to the same size (ffmpeg's psnr filter). */
function psnr(distorted: string, source: string, rung: Rung, fps: number): number {
  const result = spawnSync(
    tools.ffmpeg.path,
    [
      "-hide_banner",
      "-i",
      distorted,
      "-i",
      source,
      "-lavfi",
      `[1:v]fps=${fps},scale=${rung.width}:${rung.height}:flags=bicubic,setsar=1[ref];[0:v]setsar=1[d];[d][ref]psnr`,
      "-f",
      "null",
      "-",
    ],
    { encoding: "utf8" },
  );
  return Number(/average:([\d.]+)/.exec(result.stderr)?.[1] ?? Number.NaN);
}

/** The generated source: progressive SDR video, one stereo tone as stream 1. */
const SOURCE: EncodeSource = {
  interlaced: false,
  transfer: "sdr",
  audioStreams: [{ index: 1, channels: 2, languageTag: undefined, title: undefined, isDefault: true }],
};
/** The product's default loudness normalisation, in both runs. */
const LOUDNESS = -16;

async function baseline(source: string, dir: string, ladder: Ladder): Promise<string[]> {
  const outputs: string[] = [];
  for (const [i, rung] of ladder.rungs.entries()) {
    const one: Ladder = { ...ladder, rungs: [rung] };
    const info = i === 0 ? SOURCE : { ...SOURCE, audioStreams: [] };
    const args = encodeArgs({ outDir: dir, ladder: one, info, loudnessTarget: LOUDNESS, threads: 0 });
    // Same encoder settings as ours, but each rendition decodes and scales the source alone.
    const mp4Args = args.slice(0, args.indexOf("-f")).concat(["-f", "mp4"]);
    const output = path.join(dir, `rung-${i}.mp4`);
    await ffmpeg.run({ inputs: [{ path: source }], outputOptions: mp4Args, output });
    outputs.push(output);
  }
  return outputs;
}

function joinSegments(dir: string, rep: number | string): string {
  const segments = readdirSync(dir)
    .filter((n) => n.startsWith(`seg-${rep}-`))
    .sort();
  const file = path.join(dir, `joined-${rep}.mp4`);
  writeFileSync(
    file,
    Buffer.concat([
      readFileSync(path.join(dir, `init-${rep}.m4s`)),
      ...segments.map((s) => readFileSync(path.join(dir, s))),
    ]),
  );
  return file;
}

const work = await mkdtemp(path.join(os.tmpdir(), "movio-bench-"));
try {
  const source = path.join(work, "source.mp4");
  execFileSync(tools.ffmpeg.path, [
    "-loglevel",
    "error",
    "-f",
    "lavfi",
    "-i",
    "testsrc2=size=1920x1080:rate=30",
    "-f",
    "lavfi",
    "-i",
    "sine=frequency=440:sample_rate=48000",
    "-t",
    String(SECONDS),
    "-vf",
    "noise=alls=6:allf=t",
    "-c:v",
    "libx264",
    "-preset",
    "veryfast",
    "-crf",
    "16",
    "-c:a",
    "aac",
    "-shortest",
    source,
  ]);
  const ladder = planLadder({ width: 1920, height: 1080, fps: 30 }, 30);
  const ours = path.join(work, "ours");
  const base = path.join(work, "baseline");
  mkdirSync(ours);
  mkdirSync(base);

  console.log(
    `bench/transcode — ${SECONDS} s 1080p30 source, ${ladder.rungs.length} rungs (${ladder.rungs.map((r) => r.name).join(", ")}), ${os.cpus().length} cores, ffmpeg ${tools.ffmpeg.version}`,
  );
  const baselineRun = await measure(async () => void (await baseline(source, base, ladder)));
  // The product's path: the smallest rung and the audio first (published as first playable),
  // then the other rungs; "first playable" is when the first run's files exist.
  let firstPlayableS = Number.NaN;
  const started = performance.now();
  const oursRun = await measure(() =>
    encodeFirstPlayable(ffmpeg, {
      source,
      outDir: ours,
      ladder,
      info: SOURCE,
      loudnessTarget: LOUDNESS,
      threads: 0,
      durationMs: SECONDS * 1000,
      onFirstPlayable: async () => {
        firstPlayableS = (performance.now() - started) / 1000;
      },
    }),
  );

  const per = (x: number) => (x / SECONDS).toFixed(3);
  console.log("\n| run | CPU s | CPU s / source s | wall s | wall / source s |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  console.log(
    `| baseline (one ffmpeg per rendition) | ${baselineRun.cpu.toFixed(1)} | ${per(baselineRun.cpu)} | ${baselineRun.wall.toFixed(1)} | ${per(baselineRun.wall)} |`,
  );
  console.log(
    `| Movio (smallest rung first, then the rest in one pass) | ${oursRun.cpu.toFixed(1)} | ${per(oursRun.cpu)} | ${oursRun.wall.toFixed(1)} | ${per(oursRun.wall)} |`,
  );
  console.log(
    `\nCPU ratio Movio/baseline: ${(oursRun.cpu / baselineRun.cpu).toFixed(2)}×   wall ratio: ${(oursRun.wall / baselineRun.wall).toFixed(2)}×   wall per source second: ${per(oursRun.wall)}`,
  );
  console.log(
    `first playable after ${firstPlayableS.toFixed(1)} s: ${per(firstPlayableS)}× the source duration`,
  );

  console.log("\n| rung | PSNR baseline dB | PSNR Movio dB | Δ dB |");
  console.log("| --- | ---: | ---: | ---: |");
  for (const [i, rung] of ladder.rungs.entries()) {
    const b = psnr(path.join(base, `rung-${i}.mp4`), source, rung, ladder.fps);
    // The smallest rung is the first run's (representation "first-0").
    const rep = i === ladder.rungs.length - 1 ? "first-0" : i;
    const o = psnr(joinSegments(ours, rep), source, rung, ladder.fps);
    console.log(
      `| ${rung.name} ${rung.width}×${rung.height} | ${b.toFixed(2)} | ${o.toFixed(2)} | ${(o - b).toFixed(2)} |`,
    );
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
