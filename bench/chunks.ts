/**
 * Chunked transcoding through the product: real farm processes (as production runs them) on
 * an embedded Postgres and the local S3 server, a generated source uploaded with tus, timed
 * from upload complete to playable and to ready. Three runs on this machine:
 *
 *   1. one node, chunking off (the single-node encode: the baseline, same run);
 *   2. one node, chunked (what splitting costs when there is nobody to share with);
 *   3. two nodes, chunked, each with one ffmpeg thread (two "machines" of one core each).
 *
 * Then the scaling model: from run 2's measured job times (job_attempts) — the transcode job's
 * own part, each chunk, each audio piece, each assembly — the wall time and node-hours per
 * hour of video at 1, 10 and 100 nodes of this machine's size, and the bytes read from and
 * written to storage per source byte.
 *
 *   npm run bench:chunks
 *   BENCH_SECONDS=120 BENCH_SIZE=1280x720 BENCH_CHUNK_SECONDS=10 npm run bench:chunks
 *   BENCH_RUNS=chunked1 npm run bench:chunks        # only the run the model needs
 *   BENCH_CACHE=/tmp/movio-bench npm run bench:chunks # keep the generated source for the next run
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { planLadder } from "../farm/src/media/ladder.ts";
import { tuneGarbageCollector } from "../farm/src/runtime/gc-tuning.ts";
import {
  audioPieceSeconds,
  type ChunkSpan,
  planAudioPieces,
  planChunks,
} from "../farm/src/transcode/chunk-plan.ts";
import { startLocalPostgres } from "../scripts/local/embedded-postgres.ts";
import { freePort } from "../scripts/local/ports.ts";
import { startLocalS3 } from "../scripts/local/s3/s3-server.ts";
import { waitHealthy } from "../scripts/local/wait-healthy.ts";
import { spawnScript } from "../scripts/test/support/spawn-script.ts";
import { generatePrivateJwk, importSigningKey } from "../shared/auth/jwt.ts";
import { farmConfigSchema } from "../shared/config/farm-config.ts";
import { applyMigrations } from "../shared/db/migrate.node.ts";
import { benchSource } from "./bench-source.ts";
import { uploadAndFollow } from "./through-product.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const SIZE = process.env.BENCH_SIZE ?? "1920x1080";
const CHUNK_SECONDS = Number(process.env.BENCH_CHUNK_SECONDS ?? 10);
/** The generated source's CRF: 20 is ~33 Mbit/s at 1080p, the "camera-like" source of bench/transcode. */
const SOURCE_CRF = Number(process.env.BENCH_SOURCE_CRF ?? 20);
/** What one node of this size costs per hour, for the cost column (a 2-vCPU cloud VM). */
const NODE_HOUR_USD = Number(process.env.BENCH_NODE_HOUR_USD ?? 0.08);
/** Audio pieces in the bench (CHUNK_AUDIO_SECONDS); the model scales them to the default 120 s. */
const AUDIO_SECONDS = Number(process.env.BENCH_AUDIO_SECONDS ?? 20);
const RUNS = (process.env.BENCH_RUNS ?? "single,chunked1,chunked2").split(",");
/** The first chunk's length (CHUNK_FIRST_SECONDS); unset: the farm's default. */
const FIRST_SECONDS = process.env.BENCH_FIRST_SECONDS;
const firstChunkSeconds = () =>
  Number(FIRST_SECONDS ?? farmConfigSchema.shape.CHUNK_FIRST_SECONDS.parse(undefined));
/** A directory that keeps the generated source for the next run (bench-source.ts). */
const CACHE = process.env.BENCH_CACHE;

interface RunResult {
  name: string;
  playableS: number;
  readyS: number;
  jobs: { type: string; part: string | null; index: number | null; node: string; seconds: number }[];
  /** The jobs the first playable waits for: when each started and ended, from the upload's end. */
  playablePath: { job: string; from: number; to: number }[];
  /** When the grow each later part of the smallest rung or the audio queued ended (`first:3`, `audio:2`). */
  parts: { unit: string; listed: number }[];
}

// This process hosts the local S3 server, which streams as many bytes as the farm does.
tuneGarbageCollector();

async function main() {
  const dir = await mkdtemp(path.join(os.tmpdir(), "movio-bench-chunks-"));
  const postgres = await startLocalPostgres({
    dataDir: path.join(dir, "pg"),
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
  try {
    await applyMigrations(postgres.url);
    const jwk = await generatePrivateJwk("bench");
    const { d: _d, ...publicJwk } = jwk;
    const key = await importSigningKey(JSON.stringify(jwk));
    const source = await benchSource({
      seconds: SECONDS,
      size: SIZE,
      crf: SOURCE_CRF,
      workDir: dir,
      cacheDir: CACHE,
    });
    const data = await readFile(source);
    const env = (extra: Record<string, string>) => ({
      DATABASE_URL: postgres.url,
      S3_ENDPOINT: s3.endpoint,
      S3_BUCKET: "movio",
      JWT_PUBLIC_JWKS: JSON.stringify({ keys: [publicJwk] }),
      JOB_POLL_MS: "200",
      LOG_LEVEL: "warn",
      ...extra,
    });

    const run = async (name: string, nodes: Record<string, string>[]): Promise<RunResult> => {
      const farms: (ReturnType<typeof spawnScript> & { url: string })[] = [];
      for (const [i, extra] of nodes.entries()) {
        const port = await freePort();
        const spawned = spawnScript(
          "farm/src/main.ts",
          env({ FARM_PORT: String(port), FARM_NODE_ID: `${name}-${i}`, ...extra }),
        );
        await waitHealthy(`http://127.0.0.1:${port}/healthz`, 30_000, () => spawned.child.exitCode === null);
        farms.push({ ...spawned, url: `http://127.0.0.1:${port}` });
      }
      try {
        const { videoId, playableS, readyS } = await uploadAndFollow(db, key, farms[0]!.url, data, {
          pollMs: 200,
          label: name,
        });
        const { rows: jobs } = await db.query<RunResult["jobs"][number]>(
          `select j.type, coalesce(j.payload->>'part', j.payload->>'stage') as part,
                  (j.payload->>'index')::int as index, a.node,
                  extract(epoch from a.finished_at - a.started_at)::float as seconds
           from job_attempts a join jobs j on j.id = a.job_id
           where j.video_id = $1 and a.outcome = 'done' order by a.id`,
          [videoId],
        );
        // Seconds from the transcode job's queuing (the upload's end) to each attempt's start and end.
        const { rows: path } = await db.query<{ job: string; from: number; to: number }>(
          `with t0 as (select min(created_at) as at from jobs where video_id = $1 and type = 'transcode')
           select j.type || coalesce(':' || (j.payload->>'part'), '') || coalesce(':' || (j.payload->>'index'), '')
                    || coalesce(':' || (j.payload->>'stage'), '') as job,
                  extract(epoch from a.started_at - t0.at)::float as "from",
                  extract(epoch from a.finished_at - t0.at)::float as "to"
           from job_attempts a join jobs j on j.id = a.job_id, t0
           where j.video_id = $1 and a.outcome = 'done'
             and (j.type = 'transcode' or (j.payload->>'index') = '0' and j.payload->>'part' is distinct from 'rest'
                  or j.payload->>'stage' = 'playable')
           order by a.started_at`,
          [videoId],
        );
        // When each part of the smallest rung and the audio was listed: by the grow its unit
        // queued (the grow lists what is done from the start then), or by the playable stage.
        const { rows: parts } = await db.query<RunResult["parts"][number]>(
          `with t0 as (select min(created_at) as at from jobs where video_id = $1 and type = 'transcode')
           select j.payload->>'after' as unit, extract(epoch from a.finished_at - t0.at)::float as listed
           from job_attempts a join jobs j on j.id = a.job_id, t0
           where j.video_id = $1 and a.outcome = 'done' and j.type = 'assemble_video'
             and j.payload->>'stage' = 'grow'`,
          [videoId],
        );
        return { name, playableS, readyS, jobs, playablePath: path, parts };
      } finally {
        for (const farm of farms) farm.child.kill("SIGTERM");
        await Promise.all(farms.map((farm) => farm.exited));
      }
    };

    const off = { CHUNK_MIN_SOURCE_S: String(24 * 3600) };
    const on = {
      CHUNK_MIN_SOURCE_S: "1",
      CHUNK_MIN_NODES: "1", // chunked1 is one node on purpose: what splitting costs alone
      CHUNK_SECONDS: String(CHUNK_SECONDS),
      CHUNK_AUDIO_SECONDS: String(AUDIO_SECONDS),
      ...(FIRST_SECONDS ? { CHUNK_FIRST_SECONDS: FIRST_SECONDS } : {}),
    };
    const results: RunResult[] = [];
    if (RUNS.includes("single")) results.push(await run("single", [off]));
    if (RUNS.includes("chunked1")) results.push(await run("chunked1", [on]));
    if (RUNS.includes("chunked2")) {
      results.push(
        await run("chunked2", [
          { ...on, FFMPEG_THREADS: "1" },
          { ...on, FFMPEG_THREADS: "1" },
        ]),
      );
    }
    report(results, data.length);
  } finally {
    await db.end();
    await s3.close();
    await postgres.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

function report(results: RunResult[], sourceBytes: number) {
  const load = os.loadavg()[0]?.toFixed(1);
  console.log(
    `\n${SECONDS} s ${SIZE} 30 fps source (${((sourceBytes * 8) / SECONDS / 1e6).toFixed(0)} Mbit/s), ${CHUNK_SECONDS} s chunks, ${os.cpus().length} cores, load ${load}\n`,
  );
  console.log("| run | playable s | × source | ready s | × source | jobs by node |");
  console.log("| --- | ---: | ---: | ---: | ---: | --- |");
  for (const r of results) {
    const byNode = new Map<string, number>();
    for (const j of r.jobs) byNode.set(j.node, (byNode.get(j.node) ?? 0) + 1);
    console.log(
      `| ${r.name} | ${r.playableS.toFixed(1)} | ${(r.playableS / SECONDS).toFixed(2)} | ${r.readyS.toFixed(1)} | ${(r.readyS / SECONDS).toFixed(2)} | ${[...byNode].map(([n, c]) => `${n}: ${c}`).join(", ")} |`,
    );
  }
  console.log("\nWhat the first playable waited for (seconds after the upload's end: job start → end):");
  for (const r of results) {
    console.log(
      `- ${r.name}: ${r.playablePath.map((p) => `${p.job} ${p.from.toFixed(1)}→${p.to.toFixed(1)}`).join(", ")}`,
    );
  }
  console.log(
    "\nA viewer who presses play at playable and watches to the end (each part of the smallest rung and the audio listed when the grow it queued ended):",
  );
  for (const r of results.filter((r) => r.name !== "single")) {
    const { waits, total } = viewerWaits(r);
    console.log(
      `- ${r.name}: waits ${total.toFixed(1)} s in all${waits.length > 0 ? ` (${waits.map((w) => `${w.seconds.toFixed(1)} s at ${w.at.toFixed(0)} s`).join(", ")})` : ""}`,
    );
  }
  const chunked = results.find((r) => r.name === "chunked1");
  if (!chunked) return;
  const sum = (filter: (j: RunResult["jobs"][number]) => boolean) =>
    chunked.jobs.filter(filter).reduce((total, j) => total + j.seconds, 0);
  const count = (filter: (j: RunResult["jobs"][number]) => boolean) => chunked.jobs.filter(filter).length;
  const parent = sum((j) => j.type === "transcode");
  const plan = benchPlan(SECONDS);
  const first = partCost(chunked.jobs, "first", plan);
  const rest = partCost(chunked.jobs, "rest", plan);
  const firstChunk = sum((j) => j.type === "encode_chunk" && j.part === "first" && j.index === 0);
  const playable = sum((j) => j.type === "assemble_video" && j.part === "playable");
  const grows = count((j) => j.type === "assemble_video" && j.part === "grow");
  const grow = sum((j) => j.type === "assemble_video" && j.part === "grow") / Math.max(1, grows);
  const final = sum((j) => j.type === "assemble_video" && j.part === "final");
  // Seconds of encode_audio work per second of source (pieces are cut from the same source).
  // The first piece's job also makes the poster (at nice 10, beside the chunks): left out.
  const secondPiece = benchPieces()[1];
  const audioPerSecond = secondPiece
    ? sum((j) => j.type === "encode_audio" && (j.index ?? 0) > 0) / (SECONDS - audioPieceSeconds(secondPiece))
    : sum((j) => j.type === "encode_audio") / SECONDS;
  console.log("\nMeasured job times (one node, chunked):");
  console.log(`- transcode job (probe, plan, embedded subtitles by ranges): ${parent.toFixed(1)} s`);
  console.log(
    `- audio: ${count((j) => j.type === "encode_audio")} pieces (${AUDIO_SECONDS} s at most), ${(audioPerSecond * 100).toFixed(1)} s per 100 s of source (the pieces after the first: its job also makes the poster)`,
  );
  console.log(
    `- chunks (${plan.map((c) => spanSeconds(c, SECONDS).toFixed(0)).join(", ")} s, each after the first encoded from a segment earlier): smallest rung ${first.fixed.toFixed(2)} s + ${first.perSecond.toFixed(3)} s per second encoded (the first chunk: ${firstChunk.toFixed(1)} s), other rungs ${rest.fixed.toFixed(2)} s + ${rest.perSecond.toFixed(3)} s per second`,
  );
  console.log(
    `- assembly: playable (templates from one segment and the first piece, growing manifests) ${playable.toFixed(1)} s, ${grows} grows of ${grow.toFixed(2)} s each, final (manifests, storyboard) ${final.toFixed(1)} s`,
  );

  printModel({ parent, first, firstChunk, rest, audioPerSecond, playable, grow, final }, SECONDS);
  printBytes(sourceBytes / SECONDS);
}

/** The product's chunk plan for a source of `seconds` (the bench's ladder, CHUNK_SECONDS, its first chunk). */
function benchPlan(seconds: number): ChunkSpan[] {
  const [width, height] = SIZE.split("x").map(Number);
  const ladder = planLadder({ width: width!, height: height!, fps: 30 }, 30);
  return planChunks(seconds * 1000, ladder, {
    chunkSeconds: CHUNK_SECONDS,
    firstSeconds: firstChunkSeconds(),
  });
}

/**
 * Where a viewer who starts at playable, from 0, waits: at each part boundary (a chunk's or
 * an audio piece's start) the content from there is listed once that chunk's smallest rung,
 * the audio piece over it and every part before them are done (the `grow` after them, ~0.1 s,
 * not counted); the viewer plays in real time and waits where it is not yet listed.
 */
function viewerWaits(r: RunResult): { waits: { at: number; seconds: number }[]; total: number } {
  const chunks = benchPlan(SECONDS);
  const pieces = benchPieces();
  // A part is listed by the grow it queued, or by the playable stage if it was done before;
  // and never before the parts before it.
  const listedAt = (prefix: string, count: number) => {
    const at: number[] = [];
    for (let i = 0; i < count; i++) {
      const grow = r.parts.find((p) => p.unit === `${prefix}:${i}`)?.listed ?? r.playableS;
      at.push(Math.max(grow, at[i - 1] ?? 0));
    }
    return at;
  };
  const video = listedAt("first", chunks.length);
  const audio = listedAt("audio", pieces.length);
  const videoStart = chunks.map((c) => c.startFrame / 30);
  const audioStart = pieces.map((p) => audioPieceSeconds(p));
  const partAt = (starts: number[], t: number) => starts.filter((start) => start <= t + 1e-9).length - 1;
  const bounds = [...new Set([...videoStart, ...audioStart])]
    .filter((t) => t < SECONDS)
    .sort((a, b) => a - b);
  const waits: { at: number; seconds: number }[] = [];
  let clock = r.playableS;
  let position = 0;
  for (const bound of bounds) {
    clock += bound - position;
    position = bound;
    const listed = Math.max(video[partAt(videoStart, bound)]!, audio[partAt(audioStart, bound)] ?? 0);
    if (listed > clock) {
      waits.push({ at: bound, seconds: listed - clock });
      clock = listed;
    }
  }
  return { waits, total: waits.reduce((sum, w) => sum + w.seconds, 0) };
}

/** The product's audio pieces for the bench's source (the first covers the first chunk). */
function benchPieces() {
  return planAudioPieces(SECONDS * 1000, {
    firstSeconds: spanSeconds(benchPlan(SECONDS)[0]!, SECONDS),
    pieceSeconds: AUDIO_SECONDS,
    segmentSeconds: 2,
  });
}

/** Seconds of the source a chunk covers (the last one: to the end). */
const spanSeconds = (chunk: ChunkSpan, sourceSeconds: number) =>
  chunk.frames === null ? sourceSeconds - chunk.startFrame / 30 : chunk.frames / 30;

/** Seconds a chunk's job encodes: its own span and its warm-up segment. */
const encodedSeconds = (chunk: ChunkSpan, sourceSeconds: number) =>
  spanSeconds(chunk, sourceSeconds) + chunk.prerollFrames / 30;

/**
 * A part's job time as a fixed cost per job plus a cost per second encoded: the least-squares
 * line through its jobs (the chunks differ in length: CHUNK_GROWTH).
 */
function partCost(jobs: RunResult["jobs"], part: "first" | "rest", plan: ChunkSpan[]): PartCost {
  const points = jobs
    .filter((j) => j.type === "encode_chunk" && j.part === part && j.index !== null && plan[j.index])
    .map((j) => ({ x: encodedSeconds(plan[j.index!]!, SECONDS), y: j.seconds }));
  const n = points.length;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  const sxx = points.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  const perSecond = sxx > 0 ? points.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0) / sxx : my / mx;
  return { fixed: Math.max(0, my - perSecond * mx), perSecond };
}

interface PartCost {
  fixed: number;
  perSecond: number;
}

/** Measured job times (seconds) of a run. */
export interface JobTimes {
  parent: number;
  first: PartCost;
  /** The first chunk's `first` part, as measured (the playable waits for it). */
  firstChunk: number;
  rest: PartCost;
  /** encode_audio seconds per second of source. */
  audioPerSecond: number;
  playable: number;
  /** One `grow` of the growing manifests (one per later chunk and audio piece). */
  grow: number;
  final: number;
}

/**
 * One hour of video at N nodes, cut as the product cuts it (planChunks: the first chunk CHUNK_FIRST_SECONDS,
 * then growing by half up to CHUNK_SECONDS), each chunk's part costed from the measured line
 * (fixed + per second encoded). Chunks and audio pieces (120 s each, CHUNK_AUDIO_SECONDS'
 * default; the first piece covers the first chunk, the next ones double) are queued at once
 * and spread over all nodes, one job at a time each, the audio pieces and `first` parts in
 * timeline order before any `rest` part; a stage's wall time is its work divided by the
 * nodes, or its longest job if that is longer (list scheduling). Playable: once the first
 * chunk's `first` part and the first audio piece are done (one after the other on one node,
 * side by side on more), the playable stage — a fixed cost (one segment and one piece read
 * back, whatever the length; the poster comes when it comes, from its chunk's job). The video
 * then grows chunk by chunk; the final stage starts once everything is, the transcode job
 * included (its embedded subtitles), and scales with the duration on one node (it reads every
 * part's list and tiles the storyboard). The transcode job reads a few ranges whatever the
 * length, so its measured time is taken as is. Job times were measured with jobs sharing one
 * node's two cores: upper bounds.
 */
export function printModel(times: JobTimes, sourceSeconds: number): void {
  const hour = 3600;
  const scale = hour / sourceSeconds;
  const plan = benchPlan(hour);
  const cost = (part: PartCost, chunk: ChunkSpan) =>
    part.fixed + part.perSecond * encodedSeconds(chunk, hour);
  const firstParts = plan.map((chunk) => cost(times.first, chunk));
  const restParts = plan.map((chunk) => cost(times.rest, chunk));
  const total = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const pieceSeconds = 120;
  const firstPieceSeconds = 8;
  let covered = firstPieceSeconds;
  const pieces = [firstPieceSeconds];
  for (let next = 16; covered < hour; next = Math.min(pieceSeconds, next * 2)) {
    pieces.push(next);
    covered += next;
  }
  const audioWork = total(pieces) * times.audioPerSecond;
  const longestAudio = pieceSeconds * times.audioPerSecond;
  const firstPiece = firstPieceSeconds * times.audioPerSecond;
  console.log(
    `\nModel: one hour of video (${plan.length} chunks, ${pieces.length} audio pieces), nodes like this one:\n`,
  );
  console.log(
    `| nodes | playable | ready | × duration | node-hours | cost (USD) at $${NODE_HOUR_USD}/node-hour |`,
  );
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const nodes of [1, 10, 100]) {
    const parentS = times.parent;
    const startS = nodes === 1 ? times.firstChunk + firstPiece : Math.max(times.firstChunk, firstPiece);
    const playableS = startS + times.playable;
    const firstWork = total(firstParts) + audioWork;
    const firstDoneS = Math.max(firstWork / nodes, longestAudio, Math.max(...firstParts));
    const chunksDoneS = Math.max((firstWork + total(restParts)) / nodes, firstDoneS + Math.max(...restParts));
    const readyS = Math.max(playableS, chunksDoneS, parentS) + times.final * scale;
    const nodeSeconds =
      parentS +
      total(firstParts) +
      total(restParts) +
      audioWork +
      times.playable +
      (plan.length + pieces.length) * times.grow +
      times.final * scale;
    const nodeHours = nodeSeconds / hour;
    console.log(
      `| ${nodes} | ${minutes(playableS)} | ${minutes(readyS)} | ${(readyS / hour).toFixed(2)} | ${nodeHours.toFixed(2)} | ${(nodeHours * NODE_HOUR_USD).toFixed(2)} |`,
    );
  }
}

/**
 * Storage traffic per source byte, from the ladder's bitrates and the source's: every chunk
 * reads its span twice (`first`, `rest`), the audio pieces once more (plus ~12 s of warm-up per
 * 120 s piece), the transcode job a few ranges. Rendition bytes are written once: each chunk
 * and audio job publishes its segments to their final keys (the first audio piece also keeps
 * its frames in scratch: a few seconds' worth). The assemblies read the first piece's frames, the parts' segment lists
 * and storyboard thumbnails (a few kB), and write manifests only.
 */
export function printBytes(sourceBytesPerSecond: number): void {
  // The 1080p ladder's video bitrates (farm/src/media/ladder.ts) and the audio's, in bytes/s.
  const videoBytesPerSecond = ((5000 + 2800 + 1400 + 800 + 400) * 1000) / 8;
  const audioBytesPerSecond = 128_000 / 8;
  const video = videoBytesPerSecond / sourceBytesPerSecond;
  const audio = audioBytesPerSecond / sourceBytesPerSecond;
  // The transcode job reads by ranges now: the index (moov) for the probe (and a chunk job one
  // GOP for the poster), ~1 % of an hour's source at most; a source with embedded text
  // subtitles adds one streaming read of the whole file (not modelled: the bench's has none).
  // The assemblies read the first audio piece (the first chunk, 32 s of the hour) back.
  const read = { chunks: 2, audio: 132 / 120, transcodeJob: 0.01, assemblies: audio * (32 / 3600) };
  const written = { segments: video, audio };
  const total = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
  console.log("\nStorage bytes per source byte (model):\n");
  console.log("| | per source byte | of which |");
  console.log("| --- | ---: | --- |");
  console.log(
    `| read | ${total(read).toFixed(2)} | chunks ${read.chunks.toFixed(2)}, audio pieces ${read.audio.toFixed(2)}, transcode job and poster ≤ ${read.transcodeJob.toFixed(2)} (by ranges; + 1 with embedded text subtitles), assemblies (the first audio piece) ${read.assemblies.toFixed(4)} |`,
  );
  console.log(
    `| written | ${total(written).toFixed(2)} | video segments by the chunk jobs ${written.segments.toFixed(2)}, audio segments by the pieces ${written.audio.toFixed(3)} |`,
  );
}

const minutes = (s: number) => `${(s / 60).toFixed(1)} min`;

// Run as a script (npm run bench:chunks); imported, it only lends printModel.
if (process.argv[1]?.endsWith("chunks.ts")) await main();
