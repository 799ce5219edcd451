/**
 * bench/edge: requests/s and latency of the edge's hot routes against a hello-world Worker
 * measured in the same run, both under `wrangler dev` (workerd) on this machine. The whole
 * local stack is started as `npm start` starts it (temporary data directory, free ports), a
 * catalog of public ready videos is seeded, then autocannon drives each route at 1 and 64
 * connections. Prints rps, the ratio to hello-world, p50 and p99, and errors.
 *
 *   npm run bench:edge                 # 10 s per run
 *   BENCH_SECONDS=5 npm run bench:edge
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import pg from "pg";
import { spawnChild } from "../scripts/local/children.ts";
import { freePort } from "../scripts/local/ports.ts";
import { startStack } from "../scripts/local/stack.ts";
import { isolatedStackEnv, readStackConfig } from "../scripts/local/stack-config.ts";
import { waitHealthy } from "../scripts/local/wait-healthy.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const require = createRequire(import.meta.url);
const ROOT = path.resolve(import.meta.dirname, "..");

interface Target {
  name: string;
  url: string;
  headers?: Record<string, string>;
}

interface Result {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function run(target: Target, connections: number): Promise<Result> {
  const result = await autocannon({
    url: target.url,
    connections,
    duration: SECONDS,
    headers: target.headers,
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

async function seed(databaseUrl: string, edge: string) {
  const email = `bench-${Date.now()}@example.com`;
  const signup = await fetch(`${edge}/api/v1/auth/signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: "a long enough password", displayName: "Bench" }),
  });
  const session = (await signup.json()) as { accessToken: string; user: { id: string } };
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const { rows } = await db.query<{ id: string }>(
    `insert into videos (owner_id, title, description, visibility, status, progress, duration_ms, ready_at)
     select $1, 'Bench film ' || n, 'A video for the benchmark', 'public', 'ready', 100, 60000, now()
     from generate_series(1, 40) n returning id`,
    [session.user.id],
  );
  await db.end();
  return { token: session.accessToken, videoId: rows[0]!.id };
}

async function main() {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "movio-bench-edge-"));
  const { env, ports } = await isolatedStackEnv(dataDir);
  const log = (line: string) => console.log(`[stack] ${line}`);
  const stack = await startStack(readStackConfig(env), log);
  const helloPort = await freePort();
  const hello = spawnChild(
    "hello",
    process.execPath,
    [
      require.resolve("wrangler/bin/wrangler.js"),
      "dev",
      path.join(ROOT, "bench/hello-worker.ts"),
      "--ip=127.0.0.1",
      `--port=${helloPort}`,
      `--inspector-port=${await freePort()}`,
      "--compatibility-date=2026-04-01",
      "--show-interactive-dev-session=false",
      `--persist-to=${path.join(dataDir, "hello")}`,
    ],
    {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", CI: "true" },
      onLine: () => {},
    },
  );
  try {
    const helloUrl = `http://127.0.0.1:${helloPort}/`;
    await waitHealthy(helloUrl, 60_000, () => hello.process.exitCode === null);
    const databaseUrl = `postgres://movio:movio-local@127.0.0.1:${ports.PG_PORT}/movio`;
    const { token, videoId } = await seed(databaseUrl, stack.urls.edge);
    const edge = stack.urls.edge;
    const targets: Target[] = [
      { name: "hello-world Worker", url: helloUrl },
      { name: "GET /.well-known/jwks.json", url: `${edge}/.well-known/jwks.json` },
      { name: "GET /healthz (one select 1)", url: `${edge}/healthz` },
      { name: "GET /api/v1/videos (anonymous, cached)", url: `${edge}/api/v1/videos?limit=20` },
      {
        // An Authorization header bypasses the cache; an unusable token is ignored on this route.
        name: "GET /api/v1/videos (cache bypassed)",
        url: `${edge}/api/v1/videos?limit=20`,
        headers: { authorization: "Bearer not-a-token" },
      },
      {
        name: "GET /api/v1/videos/:id (cache bypassed)",
        url: `${edge}/api/v1/videos/${videoId}`,
        headers: { authorization: "Bearer not-a-token" },
      },
      {
        name: "GET /api/v1/me/videos (signed in)",
        url: `${edge}/api/v1/me/videos?limit=20`,
        headers: { authorization: `Bearer ${token}` },
      },
    ];
    // Warm every route once (isolate start-up, the first query's plan).
    for (const target of targets) await fetch(target.url, { headers: target.headers });

    const results = new Map<string, Result>();
    for (const connections of [1, 64]) {
      for (const target of targets) {
        const result = await run(target, connections);
        results.set(`${target.name}@${connections}`, result);
        console.log(`${target.name} @${connections}: ${result.rps.toFixed(0)} rps, p50 ${result.p50} ms`);
      }
    }

    console.log(`\n### bench/edge (${SECONDS} s per run, ${os.cpus().length} cores)\n`);
    console.log("| route | conns | rps | × hello-world | p50 ms | p99 ms | errors |");
    console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (const connections of [1, 64]) {
      const base = results.get(`${targets[0]!.name}@${connections}`)!;
      for (const target of targets) {
        const r = results.get(`${target.name}@${connections}`)!;
        console.log(
          `| ${target.name} | ${connections} | ${r.rps.toFixed(0)} | ${(r.rps / base.rps).toFixed(2)} | ${r.p50} | ${r.p99} | ${r.errors} |`,
        );
      }
    }
    const cached = results.get("GET /api/v1/videos (anonymous, cached)@64")!;
    const helloBase = results.get("hello-world Worker@64")!;
    const uncached = results.get("GET /api/v1/videos/:id (cache bypassed)@1")!;
    console.log(
      `\ngoal: anonymous catalog ≥ 0.5× hello-world at 64 connections: ${(cached.rps / helloBase.rps).toFixed(2)}×`,
    );
    console.log(`goal: uncached database-backed request ≤ 4 ms p50 at 1 connection: ${uncached.p50} ms`);
  } finally {
    await hello.stop();
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
