/**
 * bench/transcode: our ladder against the common baseline (one ffmpeg per rendition, each
 * decoding and scaling the source itself), on a generated clip, in the same process. Prints CPU
 * seconds and wall time per source second, the ratios, first playable / source, and PSNR and
 * SSIM per rung (quality must match within 0.3 dB PSNR and 0.002 SSIM).
 *
 *   npm run bench:transcode                         # 10 s 1080p30 clip
 *   BENCH_SECONDS=60 BENCH_SOURCE=720p npm run bench:transcode
 *   BENCH_LEVERS=none,first-fastdecode,concurrent+first-fastdecode BENCH_BASELINE=0 npm run bench:transcode
 *
 * BENCH_SOURCE: 1080p (default), 720p, 2160p or WxH. BENCH_LEVERS: variants (lever names
 * joined by "+", bench/transcode-levers.ts) measured after the product, each against it.
 * BENCH_BASELINE=0 skips the baseline, BENCH_PRODUCT=0 the product run (then the first variant
 * is the reference), BENCH_FLOOR=1 adds the cost of decoding and scaling alone.
 * BENCH_SOURCE_CRF: the generated source's CRF (default 16, ~100 Mbit/s at 1080p; 20 is ~30).
 * BENCH_CACHE=dir keeps the generated source there and reuses it (the 60 s source takes a while).
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  type EncodeSource,
  encodeArgs,
  encodeLadder,
  ladderFilterGraph,
} from "../farm/src/media/encode-ladder.ts";
import { Ffmpeg } from "../farm/src/media/ffmpeg.ts";
import { locateMediaTools } from "../farm/src/media/ffmpeg-locate.ts";
import { type Ladder, planLadder } from "../farm/src/media/ladder.ts";
import { FIRST_PREFIX } from "../farm/src/media/published-names.ts";
import { SOURCE_PROTOCOLS, sourceFormatWhitelist } from "../farm/src/media/source-formats.ts";
import { type Plan, type PlanContext, runArgs, variantPlan } from "./transcode-levers.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const SIZES: Record<string, [number, number]> = {
  "2160p": [3840, 2160],
  "1080p": [1920, 1080],
  "720p": [1280, 720],
  "480p": [854, 480],
};
const SIZE_NAME = process.env.BENCH_SOURCE ?? "1080p";
const [WIDTH, HEIGHT] =
  SIZES[SIZE_NAME] ??
  (/^(\d+)x(\d+)$/.exec(SIZE_NAME)?.slice(1).map(Number) as [number, number] | undefined) ??
  (() => {
    throw new Error(`BENCH_SOURCE=${SIZE_NAME}: use ${Object.keys(SIZES).join(", ")} or WxH`);
  })();
const FPS = 30;
const VARIANTS = (process.env.BENCH_LEVERS ?? "")
  .split(",")
  .map((s) => s.trim())
  .filter(Boolean);
const WITH_BASELINE = process.env.BENCH_BASELINE !== "0";
const WITH_PRODUCT = process.env.BENCH_PRODUCT !== "0";
const WITH_FLOOR = process.env.BENCH_FLOOR === "1";
const CACHE = process.env.BENCH_CACHE;
/** x264 CRF of the generated source: 16 (default) is ~100 Mbit/s of noise at 1080p, 20 ~30 Mbit/s. */
const SOURCE_CRF = Number(process.env.BENCH_SOURCE_CRF ?? 16);

const tools = locateMediaTools(process.env);
const ffmpeg = new Ffmpeg(tools);
const SOURCE_OPTIONS = [
  "-protocol_whitelist",
  SOURCE_PROTOCOLS,
  "-format_whitelist",
  await sourceFormatWhitelist(tools.ffmpeg.path),
];

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

interface Quality {
  psnr: number;
  ssim: number;
  /** The rendition's video bitrate (file size over the source duration), kbit/s. */
  kbps: number;
}

/**
 * PSNR and SSIM of each rendition against the source scaled to its size (bicubic), in one
 * ffmpeg: the source is decoded once for all of them. `undefined` entries are skipped.
 */
function quality(
  source: string,
  renditions: (string | undefined)[],
  ladder: Ladder,
): (Quality | undefined)[] {
  const present = renditions.flatMap((file, i) => (file ? [{ file, i }] : []));
  const graph = [
    `[0:v]fps=${ladder.fps},split=${present.length}${present.map((_, k) => `[s${k}]`).join("")}`,
  ];
  present.forEach(({ i }, k) => {
    const rung = ladder.rungs[i]!;
    graph.push(
      `[s${k}]scale=${rung.width}:${rung.height}:flags=bicubic,setsar=1,split[ra${k}][rb${k}]`,
      `[${k + 1}:v]setsar=1[d${k}]`,
      `[d${k}][ra${k}]psnr@q${i}[p${k}]`,
      `[p${k}][rb${k}]ssim@q${i}[o${k}]`,
    );
  });
  const result = spawnSync(
    tools.ffmpeg.path,
    [
      "-hide_banner",
      "-nostats",
      "-i",
      source,
      ...present.flatMap(({ file }) => ["-i", file]),
      "-filter_complex",
      graph.join(";"),
      ...present.flatMap((_, k) => ["-map", `[o${k}]`]),
      "-f",
      "null",
      "-",
    ],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  return renditions.map((file, i) => {
    if (!file) return undefined;
    const psnr = new RegExp(`\\[psnr@q${i} @[^\\]]*\\] PSNR.*average:([\\d.]+|inf)`).exec(result.stderr)?.[1];
    const ssim = new RegExp(`\\[ssim@q${i} @[^\\]]*\\] SSIM.*All:([\\d.]+)`).exec(result.stderr)?.[1];
    return {
      psnr: Number(psnr ?? Number.NaN),
      ssim: Number(ssim ?? Number.NaN),
      kbps: (statSync(file).size * 8) / 1000 / SECONDS,
    };
  });
}

/** The generated source: progressive SDR video, one stereo tone as stream 1. */
const SOURCE: EncodeSource = {
  interlaced: false,
  transfer: "sdr",
  audioStreams: [{ index: 1, channels: 2, languageTag: undefined, title: undefined, isDefault: true }],
};
/** The product's default loudness normalisation, in every run. */
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

/** One representation's init segment and media segments joined into a playable MP4. */
function joinSegments(dir: string, rep: string): string {
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

interface ProcessResult {
  label: string;
  /** ffmpeg's own -benchmark utime + stime. */
  cpu: number;
  wall: number;
  /** Seconds from the plan's start to this run's end. */
  endAt: number;
}

/** One ffmpeg run, pinned with taskset when asked; CPU from ffmpeg's -benchmark line. */
function runFfmpeg(args: string[], cpus: string | undefined): Promise<{ cpu: number }> {
  const [cmd, argv] = cpus
    ? ["taskset", ["-c", cpus, tools.ffmpeg.path, ...args]]
    : [tools.ffmpeg.path, args];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-50_000);
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`ffmpeg exited ${code}: ${stderr.slice(-3000)}`));
      const m = /bench: utime=([\d.]+)s stime=([\d.]+)s/.exec(stderr);
      resolve({ cpu: m ? Number(m[1]) + Number(m[2]) : Number.NaN });
    });
  });
}

async function runPlan(plan: Plan, ctx: PlanContext, source: string, dir: string): Promise<ProcessResult[]> {
  const results: ProcessResult[] = [];
  const t0 = performance.now();
  for (const stage of plan.stages) {
    await Promise.all(
      stage.map(async (run) => {
        const out = path.join(dir, run.label);
        mkdirSync(out, { recursive: true });
        const args = [
          "-hide_banner",
          "-nostats",
          "-benchmark",
          ...SOURCE_OPTIONS,
          ...run.inputOptions,
          "-i",
          source,
          ...runArgs(run, ctx, out),
          "-y",
          path.join(out, "manifest.mpd"),
        ];
        const started = performance.now();
        const { cpu } = await runFfmpeg(args, run.cpus);
        const ended = performance.now();
        results.push({ label: run.label, cpu, wall: (ended - started) / 1000, endAt: (ended - t0) / 1000 });
      }),
    );
  }
  return results;
}

/** Where a plan's run wrote each rung (joined into an MP4), undefined for a dropped rung. */
function planRenditions(plan: Plan, ladder: Ladder, dir: string): (string | undefined)[] {
  const files: (string | undefined)[] = ladder.rungs.map(() => undefined);
  for (const run of plan.stages.flat()) {
    const prefix = run.label === "first" ? FIRST_PREFIX : "";
    run.rungs.forEach((rung, k) => {
      files[rung] = joinSegments(path.join(dir, run.label), `${prefix}${k}`);
    });
  }
  return files;
}

async function generateSource(file: string): Promise<void> {
  execFileSync(tools.ffmpeg.path, [
    "-loglevel",
    "error",
    "-f",
    "lavfi",
    "-i",
    `testsrc2=size=${WIDTH}x${HEIGHT}:rate=${FPS}`,
    "-f",
    "lavfi",
    "-i",
    "sine=frequency=440:sample_rate=48000",
    "-t",
    String(SECONDS),
    "-vf",
    // A fixed seed: every generation of a size and length is the same clip.
    "noise=alls=6:allf=t:all_seed=14",
    "-c:v",
    "libx264",
    "-preset",
    "veryfast",
    "-crf",
    String(SOURCE_CRF),
    "-c:a",
    "aac",
    "-shortest",
    "-y",
    file,
  ]);
}

const cell = (q: Quality | undefined) =>
  q ? `${q.psnr.toFixed(2)} / ${q.ssim.toFixed(4)} / ${Math.round(q.kbps)}` : "—";
const deltaCell = (a: Quality | undefined, b: Quality | undefined) =>
  a && b
    ? `${(a.psnr - b.psnr).toFixed(2)} / ${(a.ssim - b.ssim).toFixed(4)} / ${((a.kbps / b.kbps - 1) * 100).toFixed(1)} %`
    : "—";

const work = await mkdtemp(path.join(os.tmpdir(), "movio-bench-"));
try {
  const source = CACHE
    ? path.join(CACHE, `source-${WIDTH}x${HEIGHT}-${SECONDS}s-crf${SOURCE_CRF}.mp4`)
    : path.join(work, "source.mp4");
  if (CACHE) mkdirSync(CACHE, { recursive: true });
  if (!existsSync(source)) {
    const gen = await measure(() => generateSource(source));
    console.log(`generated ${source} in ${gen.wall.toFixed(1)} s`);
  }
  const ladder = planLadder({ width: WIDTH, height: HEIGHT, fps: FPS }, 30);
  const ctx: PlanContext = { ladder, info: SOURCE, loudnessTarget: LOUDNESS };
  const per = (x: number) => (x / SECONDS).toFixed(3);
  const bitrate = Number(
    execFileSync(
      tools.ffprobe.path,
      ["-v", "error", "-show_entries", "format=bit_rate", "-of", "csv=p=0", source],
      {
        encoding: "utf8",
      },
    ).trim(),
  );

  console.log(
    `bench/transcode — ${SECONDS} s ${WIDTH}×${HEIGHT} ${FPS} fps source (${(bitrate / 1e6).toFixed(1)} Mbit/s), ${ladder.rungs.length} rungs (${ladder.rungs.map((r) => r.name).join(", ")}), ${os.cpus().length} cores, ffmpeg ${tools.ffmpeg.version}, load average ${os.loadavg()[0]!.toFixed(2)}`,
  );
  const runs: {
    name: string;
    cpu: number;
    wall: number;
    first: number;
    detail: string;
    q: (Quality | undefined)[];
  }[] = [];

  if (WITH_FLOOR) {
    // What every plan pays before any encoder: decoding the source, and decoding plus the
    // product's filter graph (prelude, split, every rung's scale) with the frames thrown away.
    const graph = ladderFilterGraph(ladder, SOURCE, null, { withAudio: false });
    const probes: [string, string[], string[]][] = [
      ["decode only", [], ["-map", "0:v", "-f", "null", "-"]],
      [
        "decode only, -skip_loop_filter all -flags2 fast",
        ["-skip_loop_filter", "all", "-flags2", "fast"],
        ["-map", "0:v", "-f", "null", "-"],
      ],
      [
        "decode + prelude + scale every rung",
        [],
        ["-filter_complex", graph, ...ladder.rungs.flatMap((_, i) => ["-map", `[v${i}]`]), "-f", "null", "-"],
      ],
      [
        "decode + scale smallest rung + audio (loudnorm)",
        [],
        [
          "-filter_complex",
          ladderFilterGraph({ ...ladder, rungs: ladder.rungs.slice(-1) }, SOURCE, LOUDNESS),
          "-map",
          "[v0]",
          "-map",
          "[a0]",
          "-f",
          "null",
          "-",
        ],
      ],
    ];
    console.log("\n| floor probe | CPU s | CPU s / source s | wall s | wall / source s |");
    console.log("| --- | ---: | ---: | ---: | ---: |");
    for (const [name, inOpts, outOpts] of probes) {
      const t0 = performance.now();
      const { cpu } = await runFfmpeg(
        ["-hide_banner", "-nostats", "-benchmark", ...SOURCE_OPTIONS, ...inOpts, "-i", source, ...outOpts],
        undefined,
      );
      const wall = (performance.now() - t0) / 1000;
      console.log(`| ${name} | ${cpu.toFixed(1)} | ${per(cpu)} | ${wall.toFixed(1)} | ${per(wall)} |`);
    }
  }

  if (WITH_BASELINE) {
    const base = path.join(work, "baseline");
    mkdirSync(base);
    const run = await measure(async () => void (await baseline(source, base, ladder)));
    runs.push({
      name: "baseline (one ffmpeg per rendition)",
      ...run,
      first: Number.NaN,
      detail: "",
      q: quality(
        source,
        ladder.rungs.map((_, i) => path.join(base, `rung-${i}.mp4`)),
        ladder,
      ),
    });
  }

  if (WITH_PRODUCT) {
    // The product's path: one ffmpeg for every rung and the audio (transcode-job.ts), its
    // segments published as written; "first playable" is when every stream's first segment is
    // listed in ffmpeg's playlists (what the farm's segment publisher waits for).
    const ours = path.join(work, "ours");
    mkdirSync(ours);
    let firstPlayableS = Number.NaN;
    const streams = ladder.rungs.length + SOURCE.audioStreams.length;
    const started = performance.now();
    const watch = setInterval(() => {
      if (!Number.isNaN(firstPlayableS)) return;
      const listed = Array.from({ length: streams }, (_, i) => {
        const file = path.join(ours, `media_${i}.m3u8`);
        return existsSync(file) && readFileSync(file, "utf8").includes("#EXTINF");
      });
      if (listed.every(Boolean)) firstPlayableS = (performance.now() - started) / 1000;
    }, 100);
    const run = await measure(() =>
      encodeLadder(ffmpeg, {
        source,
        outDir: ours,
        ladder,
        info: SOURCE,
        loudnessTarget: LOUDNESS,
        threads: 0,
        durationMs: SECONDS * 1000,
      }),
    ).finally(() => clearInterval(watch));
    const files = ladder.rungs.map((_, i) => joinSegments(ours, String(i)));
    runs.push({
      name: "Movio (one ffmpeg, segments published as written)",
      ...run,
      first: firstPlayableS,
      detail: "",
      q: quality(source, files, ladder),
    });
  }

  for (const variant of VARIANTS) {
    const plan = variantPlan(variant, ctx);
    const dir = path.join(work, `v-${runs.length}`);
    let procs: ProcessResult[] = [];
    const run = await measure(async () => {
      procs = await runPlan(plan, ctx, source, dir);
    });
    const first = procs.find((p) => p.label === plan.firstPlayable)?.endAt ?? Number.NaN;
    const detail = procs
      .map((p) => `${p.label} ${p.cpu.toFixed(1)} CPU s / ${p.wall.toFixed(1)} s`)
      .join("; ");
    runs.push({
      name: `lever ${variant}`,
      ...run,
      first,
      detail,
      q: quality(source, planRenditions(plan, ladder, dir), ladder),
    });
    await rm(dir, { recursive: true, force: true });
  }

  console.log(
    `\nload average after the runs: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  console.log(
    "\n| run | CPU s | CPU s / source s | wall s | wall / source s | first playable / source | per process |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
  for (const r of runs) {
    console.log(
      `| ${r.name} | ${r.cpu.toFixed(1)} | ${per(r.cpu)} | ${r.wall.toFixed(1)} | ${per(r.wall)} | ${Number.isNaN(r.first) ? "—" : per(r.first)} | ${r.detail} |`,
    );
  }
  const baseRun = runs.find((r) => r.name.startsWith("baseline"));
  const ref = runs.find((r) => !r.name.startsWith("baseline"));
  if (baseRun && ref) {
    console.log(
      `\nCPU ratio ${ref.name}/baseline: ${(ref.cpu / baseRun.cpu).toFixed(2)}×   wall ratio: ${(ref.wall / baseRun.wall).toFixed(2)}×   wall per source second: ${per(ref.wall)}   first playable: ${per(ref.first)}× the source duration`,
    );
  }
  if (ref) {
    console.log(
      `\nQuality per rung: PSNR dB / SSIM / kbit/s (file size over the duration; the baseline's top-rung file also holds the 128 kbit/s audio); Δ against "${ref.name}":`,
    );
    console.log(`\n| run | ${ladder.rungs.map((r) => r.name).join(" | ")} |`);
    console.log(`| --- | ${ladder.rungs.map(() => "---:").join(" | ")} |`);
    for (const r of runs) {
      const cells = ladder.rungs.map((_, i) => cell(r.q[i]));
      console.log(`| ${r.name} | ${cells.join(" | ")} |`);
    }
    for (const r of runs) {
      if (r === ref) continue;
      const cells = ladder.rungs.map((_, i) => deltaCell(r.q[i], ref.q[i]));
      console.log(`| Δ ${r.name} | ${cells.join(" | ")} |`);
    }
    console.log("\nCPU Δ against the reference:");
    for (const r of runs) {
      if (r === ref) continue;
      console.log(
        `- ${r.name}: CPU ${((r.cpu / ref.cpu - 1) * 100).toFixed(1)} %, wall ${((r.wall / ref.wall - 1) * 100).toFixed(1)} %`,
      );
    }
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
