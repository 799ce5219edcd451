/**
 * bench/playable: how soon an upload plays, through the product. A real farm process (as
 * production runs it) on an embedded Postgres and the local S3 server; a generated source
 * uploaded with tus-js-client; timed from the upload's last byte to playable (`media` set, the
 * first segments of every stream published) and to ready. In the same run, the baseline: the
 * same ladder as one plain ffmpeg process on the same file (one decode, the same encoder
 * settings, no upload, no probe, no publishing), run just before the upload and just after
 * ready — their mean is what "ready" is compared with.
 *
 *   npm run bench:playable                                    # 10 s and 60 s of 1080p
 *   BENCH_SECONDS=300 BENCH_SIZE=1280x720 npm run bench:playable
 *
 * BENCH_REPEAT (default 1): that many uploads of each length, alternating with baseline runs
 * (baseline, upload, baseline, upload, …, baseline), each upload compared with the baselines
 * either side of it, and the median ratio printed: one run of each cannot tell a 2 % difference
 * from the machine's drift.
 *
 * BENCH_SECONDS: comma-separated lengths (default "10,60"); BENCH_SIZE (1920x1080);
 * BENCH_SOURCE_CRF (20: ~33 Mbit/s at 1080p, the "camera-like" source); BENCH_CACHE (a
 * directory that keeps the generated sources). Chunking is off (CHUNK_MIN_SOURCE_S huge): this
 * measures the single-node path. It also prints where the CPU seconds went between the last
 * byte and ready: the farm's ffmpeg runs, the farm's own Node process, this process (the
 * local S3 server, with the farm's GC setting: farm/src/runtime/gc-tuning.ts) and the embedded
 * Postgres, against the baseline's ffmpeg.
 */
import { readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { encodeLadder } from "../farm/src/media/encode-ladder.ts";
import { Ffmpeg } from "../farm/src/media/ffmpeg.ts";
import { locateMediaTools } from "../farm/src/media/ffmpeg-locate.ts";
import { planLadder } from "../farm/src/media/ladder.ts";
import { tuneGarbageCollector } from "../farm/src/runtime/gc-tuning.ts";
import { startLocalPostgres } from "../scripts/local/embedded-postgres.ts";
import { freePort } from "../scripts/local/ports.ts";
import { startLocalS3 } from "../scripts/local/s3/s3-server.ts";
import { waitHealthy } from "../scripts/local/wait-healthy.ts";
import { spawnScript } from "../scripts/test/support/spawn-script.ts";
import { generatePrivateJwk, importSigningKey } from "../shared/auth/jwt.ts";
import { applyMigrations } from "../shared/db/migrate.node.ts";
import { benchSource } from "./bench-source.ts";
import { uploadAndFollow } from "./through-product.ts";

const LENGTHS = (process.env.BENCH_SECONDS ?? "10,60").split(",").map(Number);
const SIZE = process.env.BENCH_SIZE ?? "1920x1080";
const SOURCE_CRF = Number(process.env.BENCH_SOURCE_CRF ?? 20);
/** A directory that keeps the generated sources for the next run (bench-source.ts). */
const CACHE = process.env.BENCH_CACHE;
const REPEAT = Math.max(1, Number(process.env.BENCH_REPEAT ?? 1));

interface Result {
  seconds: number;
  /** 1…BENCH_REPEAT: which upload of this length. */
  run: number;
  mbits: number;
  playableS: number;
  readyS: number;
  /** The baseline's wall time: the mean of its runs just before the upload and just after ready. */
  baselineS: number;
  baselineRuns: [number, number];
  /** CPU seconds from the upload's last byte to ready, and the baseline's. */
  cpu: { ffmpeg: number; farmNode: number; benchProcess: number; postgres: number; baselineFfmpeg: number };
  log: string[];
}

/** CPU seconds of a process (utime + stime) and of its waited-for children (cutime + cstime). */
function cpuOf(pid: number | "self"): { own: number; children: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat
    .slice(stat.lastIndexOf(")") + 2)
    .split(" ")
    .map(Number);
  const tick = 100; // USER_HZ on Linux
  return { own: (fields[11]! + fields[12]!) / tick, children: (fields[13]! + fields[14]!) / tick };
}

/**
 * CPU seconds of the embedded Postgres (the postmaster, its live backends, and those that
 * exited): the farm's claims, heartbeats and progress writes cost there too, on the same cores.
 */
function postgresCpu(dataDir: string): number {
  const postmaster = Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  const main = cpuOf(postmaster);
  let backends = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === postmaster) backends += cpuOf(Number(entry)).own;
    } catch {
      // gone meanwhile: its time is in the postmaster's children now
    }
  }
  return main.own + main.children + backends;
}

// This process hosts the local S3 server, which streams as many bytes as the farm does.
tuneGarbageCollector();

async function main() {
  const dir = await mkdtemp(path.join(os.tmpdir(), "movio-bench-playable-"));
  const pgDataDir = path.join(dir, "pg");
  const postgres = await startLocalPostgres({
    dataDir: pgDataDir,
    port: await freePort(),
    ephemeral: true,
  });
  const s3 = await startLocalS3({
    directory: path.join(dir, "s3"),
    port: 0,
    accessKeyId: "movio-local",
    secretAccessKey: "movio-local",
    buckets: ["movio"],
  });
  const db = new pg.Pool({ connectionString: postgres.url, max: 2 });
  const results: Result[] = [];
  try {
    await applyMigrations(postgres.url);
    const jwk = await generatePrivateJwk("bench");
    const { d: _d, ...publicJwk } = jwk;
    const key = await importSigningKey(JSON.stringify(jwk));
    const port = await freePort();
    const farm = spawnScript("farm/src/main.ts", {
      DATABASE_URL: postgres.url,
      S3_ENDPOINT: s3.endpoint,
      S3_BUCKET: "movio",
      JWT_PUBLIC_JWKS: JSON.stringify({ keys: [publicJwk] }),
      // The default poll, as deployed: a finished upload wakes the node for its transcode.
      LOG_LEVEL: "info",
      FARM_PORT: String(port),
      CHUNK_MIN_SOURCE_S: String(24 * 3600),
    });
    const log: string[] = [];
    farm.child.stdout?.on("data", (chunk: Buffer) => log.push(...chunk.toString().trim().split("\n")));
    try {
      await waitHealthy(`http://127.0.0.1:${port}/healthz`, 30_000, () => farm.child.exitCode === null);
      for (const seconds of LENGTHS) {
        const source = await benchSource({
          seconds,
          size: SIZE,
          crf: SOURCE_CRF,
          workDir: dir,
          cacheDir: CACHE,
        });
        const data = await readFile(source);
        // The baseline before and after each upload (their mean): a machine whose speed drifts
        // over the minutes of a run (shared cores) weighs on both sides alike.
        let previous = await timedBaseline(source, path.join(dir, `baseline-${seconds}-0`), seconds);
        for (let run = 1; run <= REPEAT; run++) {
          const before = log.length;
          const farmPid = farm.child.pid!;
          const sample = () => ({
            farm: cpuOf(farmPid),
            bench: cpuOf("self"),
            postgres: postgresCpu(pgDataDir),
          });
          let atUpload = sample();
          const timing = await uploadAndFollow(db, key, `http://127.0.0.1:${port}`, data, {
            onUploaded: () => {
              atUpload = sample();
            },
          });
          const atReady = sample();
          const next = await timedBaseline(source, path.join(dir, `baseline-${seconds}-${run}`), seconds);
          const cpu = {
            ffmpeg: atReady.farm.children - atUpload.farm.children,
            farmNode: atReady.farm.own - atUpload.farm.own,
            benchProcess: atReady.bench.own - atUpload.bench.own,
            postgres: atReady.postgres - atUpload.postgres,
            baselineFfmpeg: (previous.cpu + next.cpu) / 2,
          };
          results.push({
            seconds,
            run,
            mbits: (data.length * 8) / seconds / 1e6,
            ...timing,
            baselineS: (previous.wall + next.wall) / 2,
            baselineRuns: [previous.wall, next.wall],
            cpu,
            log: log.slice(before).filter((line) => /playable|ready/.test(line)),
          });
          previous = next;
        }
      }
    } finally {
      farm.child.kill("SIGTERM");
      await farm.exited;
    }
  } finally {
    await db.end();
    await s3.close();
    await postgres.stop();
    await rm(dir, { recursive: true, force: true });
  }
  report(results);
}

/** One baseline run: its wall seconds and its ffmpeg's CPU seconds. */
async function timedBaseline(source: string, out: string, seconds: number) {
  const before = cpuOf("self").children;
  const wall = await baseline(source, out, seconds);
  const cpu = cpuOf("self").children - before;
  await rm(out, { recursive: true, force: true });
  return { wall, cpu };
}

/** The same ladder as one plain ffmpeg process: one decode, the product's encoder settings. */
async function baseline(source: string, out: string, seconds: number): Promise<number> {
  await mkdir(out);
  const [width, height] = SIZE.split("x").map(Number) as [number, number];
  const ladder = planLadder({ width, height, fps: 30 }, 30);
  const started = performance.now();
  await encodeLadder(new Ffmpeg(locateMediaTools(process.env)), {
    source,
    outDir: out,
    ladder,
    info: {
      interlaced: false,
      transfer: "sdr",
      audioStreams: [{ index: 1, channels: 1, languageTag: undefined, title: undefined, isDefault: true }],
    },
    loudnessTarget: -16,
    threads: 0,
    durationMs: seconds * 1000,
  });
  return (performance.now() - started) / 1000;
}

function report(results: Result[]) {
  console.log(`\n${SIZE} 30 fps sources, ${os.cpus().length} cores, load ${os.loadavg()[0]?.toFixed(1)}\n`);
  console.log(
    "| source | run | first playable s after the last byte | ready s | ready × duration | one ffmpeg s (before / after) | ready / one ffmpeg |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const r of results) {
    console.log(
      `| ${r.seconds} s (${r.mbits.toFixed(0)} Mbit/s) | ${r.run} | ${r.playableS.toFixed(1)} | ${r.readyS.toFixed(1)} | ${(r.readyS / r.seconds).toFixed(2)} | ${r.baselineS.toFixed(1)} (${r.baselineRuns.map((s) => s.toFixed(1)).join(" / ")}) | ${(r.readyS / r.baselineS).toFixed(2)} |`,
    );
  }
  for (const seconds of new Set(results.map((r) => r.seconds))) {
    const runs = results.filter((r) => r.seconds === seconds);
    if (runs.length < 2) continue;
    const ratios = runs.map((r) => r.readyS / r.baselineS);
    const playable = runs.map((r) => r.playableS);
    console.log(
      `\n${seconds} s, ${runs.length} alternating runs: ready / one ffmpeg median ${median(ratios).toFixed(3)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}), first playable median ${median(playable).toFixed(1)} s (${Math.min(...playable).toFixed(1)}–${Math.max(...playable).toFixed(1)})`,
    );
  }
  console.log(
    "\nCPU seconds from the upload's last byte to ready: the farm's ffmpeg runs, the farm's own Node process (tus, the loopback source server, uploads), this bench's process (the local S3 server the farm reads and writes — a deployment's S3 is elsewhere — and its own 100 ms poll), the embedded Postgres (the farm's claims, heartbeats, progress; the bench's poll), against the baseline's one ffmpeg\n",
  );
  console.log(
    "| source | run | farm ffmpeg | farm node | bench process (local S3) | postgres | baseline ffmpeg | product ÷ baseline |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const { seconds, run, cpu } of results) {
    const product = cpu.ffmpeg + cpu.farmNode + cpu.benchProcess + cpu.postgres;
    console.log(
      `| ${seconds} s | ${run} | ${cpu.ffmpeg.toFixed(1)} | ${cpu.farmNode.toFixed(1)} | ${cpu.benchProcess.toFixed(1)} | ${cpu.postgres.toFixed(1)} | ${cpu.baselineFfmpeg.toFixed(1)} | ${(product / cpu.baselineFfmpeg).toFixed(2)} |`,
    );
  }
  for (const r of results) for (const line of r.log) console.log(`  ${r.seconds} s #${r.run}: ${line}`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

await main();
