/**
 * bench/load: the whole local stack under a mixed load on loopback, for a bounded time —
 * 200 concurrent viewers (catalog, playback, CDN segments; autocannon) and 10 concurrent
 * tus uploaders (tus-js-client, one new video after another) at once. Prints throughput,
 * p50/p99 and errors per route, then checks that nothing was lost: every upload's object is
 * byte-identical in the bucket and every uploaded video reached processing or ready.
 *
 *   npm run bench:load                  # 60 s
 *   BENCH_SECONDS=20 npm run bench:load
 *
 * Everything shares this machine: the load generator, workerd, the farm (which transcodes
 * what is uploaded), Postgres, the local S3 server and the CDN origin.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import pg from "pg";
import { locateMediaTools } from "../farm/src/media/ffmpeg-locate.ts";
import { startStack } from "../scripts/local/stack.ts";
import { isolatedStackEnv, readStackConfig } from "../scripts/local/stack-config.ts";
import { createS3Client } from "../shared/storage/s3-client.ts";
import { createAndUpload, runUploaders, signUp, verifyUploads } from "./load-uploads.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const VIEWERS = { catalog: 80, playback: 60, segments: 60 };
const UPLOADERS = 10;
const SEEDED = 3;

interface Route {
  name: string;
  url: string;
  connections: number;
}

interface RouteResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  statuses: Record<string, number>;
}

/** A test pattern with noise (so it does not compress away), `seconds` long, with a tone. */
async function makeSource(dir: string, name: string, seconds: number, size: string): Promise<Buffer> {
  const file = path.join(dir, name);
  execFileSync(locateMediaTools(process.env).ffmpeg.path, [
    ...[
      "-y",
      "-loglevel",
      "error",
      "-f",
      "lavfi",
      "-i",
      `testsrc2=size=${size}:rate=25,noise=alls=25:allf=t`,
    ],
    ...["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", String(seconds)],
    ...["-c:v", "libx264", "-preset", "ultrafast", "-b:v", "3M", "-c:a", "aac", "-shortest"],
    ...["-movflags", "+faststart", file],
  ]);
  return readFile(file);
}

async function waitReady(edge: string, videoId: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const video = (await (await fetch(`${edge}/api/v1/videos/${videoId}`)).json()) as { status?: string };
    if (video.status === "ready") return;
    if (video.status === "failed") throw new Error(`seed video ${videoId} failed to process`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`seed video ${videoId} not ready after ${timeoutMs} ms`);
}

/** A segment URL as a player asks for it: from the HLS master, a variant, its first segment. */
async function firstSegmentUrl(hlsMaster: string): Promise<string> {
  const lines = async (url: string) =>
    (await (await fetch(url)).text()).split("\n").filter((l) => l.trim() && !l.startsWith("#"));
  const variant = new URL((await lines(hlsMaster))[0] as string, hlsMaster).toString();
  const segment = (await lines(variant)).find((l) => /\.m4s\b/.test(l));
  if (!segment) throw new Error(`no segment in ${variant}`);
  return new URL(segment, variant).toString();
}

function drive(route: Route, seconds: number): Promise<RouteResult> {
  return new Promise((resolve, reject) => {
    autocannon({ url: route.url, connections: route.connections, duration: seconds }, (err, result) => {
      if (err) return reject(err);
      const statuses: Record<string, number> = {};
      for (const [key, value] of Object.entries(result.statusCodeStats ?? {}))
        statuses[key] = value?.count ?? 0;
      resolve({
        requests: result.requests.total,
        rps: result.requests.average,
        p50: result.latency.p50,
        p99: result.latency.p99,
        errors: result.errors + result.timeouts + result.non2xx,
        statuses,
      });
    });
  });
}

const percentile = (values: number[], p: number) =>
  values.length === 0
    ? 0
    : ([...values].sort((a, b) => a - b)[Math.ceil((p / 100) * values.length) - 1] ?? 0);

async function main() {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "movio-bench-load-"));
  const { env, ports } = await isolatedStackEnv(dataDir);
  const config = readStackConfig(env);
  const stack = await startStack(config, (line) => console.log(`[stack] ${line}`));
  const db = new pg.Client({
    connectionString: `postgres://movio:movio-local@127.0.0.1:${ports.PG_PORT}/movio`,
  });
  const s3 = createS3Client({
    endpoint: stack.urls.s3,
    region: config.S3_REGION,
    accessKeyId: config.S3_ACCESS_KEY_ID,
    secretAccessKey: config.S3_SECRET_ACCESS_KEY,
    forcePathStyle: true,
  });
  try {
    await db.connect();
    const edge = stack.urls.edge;
    console.log(`[bench] sources…`);
    const seedSource = await makeSource(dataDir, "seed.mp4", 4, "320x240");
    const uploadSource = await makeSource(dataDir, "upload.mp4", 8, "320x240");

    // Something to watch: public videos that went through upload, transcode and publish.
    console.log(`[bench] seeding ${SEEDED} ready videos…`);
    const owner = await signUp(edge, "bench-owner");
    const seeded: string[] = [];
    for (let i = 0; i < SEEDED; i++)
      seeded.push((await createAndUpload(edge, owner, seedSource, `Seed ${i}`)).videoId);
    for (const id of seeded) await waitReady(edge, id, 120_000);
    const playbackUrl = `${edge}/api/v1/videos/${seeded[0]}/playback`;
    const playback = (await (await fetch(playbackUrl)).json()) as { hls: string };
    const segmentUrl = await firstSegmentUrl(playback.hls);

    const routes: Route[] = [
      {
        name: "GET /api/v1/videos (catalog)",
        url: `${edge}/api/v1/videos?limit=20`,
        connections: VIEWERS.catalog,
      },
      { name: "GET /api/v1/videos/:id/playback", url: playbackUrl, connections: VIEWERS.playback },
      { name: "GET CDN segment (.m4s, signed)", url: segmentUrl, connections: VIEWERS.segments },
    ];
    for (const route of routes) {
      const warm = await fetch(route.url);
      if (warm.status !== 200) throw new Error(`${route.name}: ${warm.status} before the load`);
      await warm.arrayBuffer();
    }

    console.log(
      `[bench] load: ${SECONDS} s, ${routes.reduce((n, r) => n + r.connections, 0)} viewers, ${UPLOADERS} uploaders`,
    );
    const started = Date.now();
    const [viewers, uploads] = await Promise.all([
      Promise.all(routes.map((route) => drive(route, SECONDS))),
      runUploaders({
        edge,
        count: UPLOADERS,
        source: uploadSource,
        deadline: started + SECONDS * 1000,
        // Under the edge's 30 videos per minute per user.
        minIntervalMs: 2500,
      }),
    ]);
    const wallSeconds = (Date.now() - started) / 1000;

    console.log("[bench] checking every upload in the bucket and the database…");
    const problems = await verifyUploads(uploads.done, s3, config.S3_BUCKET, db);
    const { rows } = await db.query<{ status: string; n: string }>(
      "select status, count(*) as n from videos where id = any($1) group by status order by status",
      [uploads.done.map((u) => u.videoId)],
    );

    console.log(`\n### bench/load (${SECONDS} s, ${os.cpus().length} cores, everything on this machine)\n`);
    console.log("| route | conns | requests | req/s | p50 ms | p99 ms | errors | statuses |");
    console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
    routes.forEach((route, i) => {
      const r = viewers[i] as RouteResult;
      const statuses = Object.entries(r.statuses)
        .map(([code, n]) => `${code}: ${n}`)
        .join(", ");
      console.log(
        `| ${route.name} | ${route.connections} | ${r.requests} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.errors} | ${statuses} |`,
      );
    });
    const creates = uploads.done.map((u) => u.createMs);
    const transfers = uploads.done.map((u) => u.uploadMs);
    const bytes = uploads.done.reduce((n, u) => n + u.bytes, 0);
    const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
    const uploadRows: [string, number[], string][] = [
      ["POST /api/v1/videos (uploaders)", creates, `${uploads.throttled} throttled (429)`],
      [
        `tus upload, ${mib(uploadSource.length)} MiB each`,
        transfers,
        `${mib(bytes / wallSeconds)} MiB/s in all`,
      ],
    ];
    for (const [name, times, note] of uploadRows) {
      console.log(
        `| ${name} | ${UPLOADERS} | ${times.length} | ${(times.length / wallSeconds).toFixed(2)} | ${percentile(times, 50)} | ${percentile(times, 99)} | ${uploads.errors.length} | ${note} |`,
      );
    }
    for (const error of new Set(uploads.errors)) console.log(`upload error: ${error}`);
    console.log(
      `\nnothing lost: ${uploads.done.length} uploads checked, ${problems.length} problems; videos by status: ${rows.map((r) => `${r.status} ${r.n}`).join(", ")}`,
    );
    for (const problem of problems) console.log(`  ${problem}`);
    const errors = viewers.reduce((n, r) => n + r.errors, 0) + uploads.errors.length + problems.length;
    console.log(`goal: zero errors, nothing lost: ${errors === 0 ? "met" : `not met (${errors})`}`);
    process.exitCode = errors === 0 ? 0 : 1;
  } finally {
    await db.end().catch(() => undefined);
    s3.destroy();
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
