/**
 * bench/search: the Postgres search provider at catalogue scale. On a throw-away embedded
 * PostgreSQL (migrations applied), seeds BENCH_VIDEOS videos (10,000) and BENCH_CUES subtitle
 * cues (1,000,000) drawn from a Zipf-distributed vocabulary (bench/search-corpus.ts), through
 * multi-row INSERTs that fire the real search triggers; prints the time to index and the
 * index sizes; then runs a fixed mix of 500 queries through the real SearchService (drizzle
 * over node-postgres: the statement the edge sends, without the HTTP hop) and prints
 * p50/p95/p99 per kind and overall, beside a naive ILIKE search measured in the same run.
 *
 *   npm run bench:search
 *   BENCH_VIDEOS=2000 BENCH_CUES=200000 npm run bench:search
 *   BENCH_DATA_DIR=/tmp/movio-bench npm run bench:search   # keep (and reuse) the seeded database
 *   BENCH_BASELINE_EVERY=0 npm run bench:search            # skip the ILIKE baseline
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import type { Database } from "../edge/src/db/request-db.ts";
import { SearchService } from "../edge/src/services/search/postgres/search-service.ts";
import { startLocalPostgres } from "../scripts/local/embedded-postgres.ts";
import { freePort } from "../scripts/local/ports.ts";
import type { EdgeConfig } from "../shared/config/edge-config.ts";
import { applyMigrations } from "../shared/db/migrate.node.ts";
import * as schema from "../shared/db/schema.ts";
import { type BenchQuery, makeCorpus, makeQueries, type QueryKind } from "./search-corpus.ts";
import { seedCatalogue } from "./search-seed.ts";

const VIDEOS = Number(process.env.BENCH_VIDEOS ?? 10_000);
const CUES = Number(process.env.BENCH_CUES ?? 1_000_000);
const WARMUP = 50;
/** The naive baseline scans every cue per query: it runs on every 10th query only (0: never). */
const BASELINE_EVERY = Number(process.env.BENCH_BASELINE_EVERY ?? 10);
const GOAL_P95_MS = 30;

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const ms = (n: number) => (Number.isNaN(n) ? "–" : n.toFixed(1));

/** The obvious search: every word as a substring of the title, the description or one cue. */
async function naiveSearch(pool: pg.Pool, q: string): Promise<number> {
  const patterns = q
    .replace(/"/g, "")
    .trim()
    .split(/\s+/)
    .map((w) => `%${w}%`);
  const { rowCount } = await pool.query(
    `select v.id from videos v
     where v.status = 'ready' and v.visibility = 'public' and v.deleted_at is null
       and (v.title ilike all($1) or v.description ilike all($1)
         or v.id in (select tr.video_id from subtitle_tracks tr join subtitle_cues c on c.track_id = tr.id
                     where tr.status = 'ready' and c.text ilike all($1)))
     order by v.created_at desc, v.id desc limit 21`,
    [patterns],
  );
  return rowCount ?? 0;
}

/** Tables (with their TOAST) and indexes search writes and reads. */
async function sizes(pool: pg.Pool) {
  const { rows } = await pool.query<{ name: string; kind: string; bytes: string }>(
    `select c.relname as name, case c.relkind when 'i' then 'index' else 'table' end as kind,
       case c.relkind when 'i' then pg_relation_size(c.oid) else pg_table_size(c.oid) end::text as bytes
     from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'public' and (c.relname in ('videos', 'subtitle_cues', 'subtitle_cue_blocks', 'search_words')
       or c.relkind = 'i' and (c.relname like 'subtitle_cue%' or c.relname like 'videos_search%'
         or c.relname like 'search_words%'))
     order by case c.relkind when 'i' then pg_relation_size(c.oid) else pg_table_size(c.oid) end desc`,
  );
  return rows.map((r) => ({ name: r.name, kind: r.kind, mib: Number(r.bytes) / 2 ** 20 }));
}

/**
 * What a subtitle upload costs once the catalogue is big: a track's cues replaced (delete,
 * insert, as the edge and the farm do) in one transaction, triggers included; rolled back.
 */
async function replaceTrackMs(pool: pg.Pool, cues: number): Promise<number> {
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ id: string }>(
      "select id from subtitle_tracks order by id limit 1 offset 100",
    );
    const texts = Array.from(
      { length: cues },
      (_, i) => `replacement cue ${i} with the harbour and the storm`,
    );
    await client.query("begin");
    const t0 = performance.now();
    await client.query("delete from subtitle_cues where track_id = $1", [rows[0]!.id]);
    await client.query(
      `insert into subtitle_cues (track_id, idx, start_ms, end_ms, text)
       select $1, i - 1, i * 1000, i * 1000 + 900, t from unnest($2::text[]) with ordinality as c(t, i)`,
      [rows[0]!.id, texts],
    );
    const took = performance.now() - t0;
    await client.query("rollback");
    return took;
  } finally {
    client.release();
  }
}

async function main() {
  const keep = process.env.BENCH_DATA_DIR;
  const dir = keep ?? (await mkdtemp(path.join(os.tmpdir(), "movio-bench-search-")));
  const pgServer = await startLocalPostgres({ dataDir: path.join(dir, "pg"), port: await freePort() });
  const pool = new pg.Pool({ connectionString: pgServer.url, max: 4 });
  try {
    const started = Date.now();
    await applyMigrations(pgServer.url);
    console.log(`migrations applied in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const corpus = makeCorpus();
    const seeded = await seedCatalogue(pool, corpus, { videos: VIDEOS, cues: CUES });
    for (const line of seeded.report) console.log(line);

    console.log("\n| relation | kind | MiB |\n| --- | --- | ---: |");
    for (const s of await sizes(pool)) console.log(`| ${s.name} | ${s.kind} | ${s.mib.toFixed(1)} |`);
    const replace = [];
    for (let i = 0; i < 3; i++) replace.push(await replaceTrackMs(pool, 1000));
    console.log(
      `\nreplacing one track's cues with 1,000 new ones (one transaction): ${replace.map((t) => t.toFixed(0)).join(", ")} ms`,
    );

    const config = {
      CDN_BASE_URL: "https://cdn.example.test",
      CDN_TOKEN_SECRET: "bench-secret",
      PLAYBACK_TOKEN_TTL_S: 21_600,
      PLAYBACK_BIND_IP: false,
    } as EdgeConfig;
    const db = drizzle({ client: pool, schema }) as unknown as Database;
    const service = new SearchService(db, config);
    const queries = makeQueries(corpus, seeded.phrases);

    for (const query of queries.slice(0, WARMUP)) await service.search({ q: query.q, limit: 20 });
    const times = new Map<QueryKind | "all", number[]>();
    const hits = new Map<QueryKind, number[]>();
    const slowest: { ms: number; query: BenchQuery }[] = [];
    for (const query of queries) {
      const t0 = performance.now();
      const result = await service.search({ q: query.q, limit: 20 });
      const took = performance.now() - t0;
      for (const key of [query.kind, "all"] as const) times.set(key, [...(times.get(key) ?? []), took]);
      hits.set(query.kind, [...(hits.get(query.kind) ?? []), result.hits.length]);
      slowest.push({ ms: took, query });
    }
    const baseline = new Map<QueryKind | "all", number[]>();
    for (const [i, query] of queries.entries()) {
      if (BASELINE_EVERY === 0 || i % BASELINE_EVERY !== 0) continue;
      const t0 = performance.now();
      await naiveSearch(pool, query.q);
      const took = performance.now() - t0;
      for (const key of [query.kind, "all"] as const) baseline.set(key, [...(baseline.get(key) ?? []), took]);
    }

    console.log(`\n${queries.length} queries, limit 20, ${WARMUP} warm-up queries first (not counted)`);
    console.log(
      "| kind | n | p50 ms | p95 ms | p99 ms | avg hits | ILIKE n | ILIKE p50 ms | ILIKE p95 ms | p50 ratio |",
    );
    console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (const [kind, list] of [...times.entries()].sort((a, b) =>
      a[0] === "all" ? 1 : b[0] === "all" ? -1 : 0,
    )) {
      const sorted = [...list].sort((a, b) => a - b);
      const base = [...(baseline.get(kind) ?? [])].sort((a, b) => a - b);
      const found = kind === "all" ? [...hits.values()].flat() : (hits.get(kind) ?? []);
      const avgHits = found.reduce((a, b) => a + b, 0) / found.length;
      const ratio = percentile(sorted, 50) / percentile(base, 50);
      console.log(
        `| ${kind} | ${sorted.length} | ${ms(percentile(sorted, 50))} | ${ms(percentile(sorted, 95))} | ` +
          `${ms(percentile(sorted, 99))} | ${avgHits.toFixed(1)} | ${base.length} | ${ms(percentile(base, 50))} | ` +
          `${ms(percentile(base, 95))} | ${Number.isNaN(ratio) ? "–" : `${ratio.toFixed(3)}×`} |`,
      );
    }
    const all = [...(times.get("all") ?? [])].sort((a, b) => a - b);
    const p95 = percentile(all, 95);
    console.log(
      `\ngoal: p95 ≤ ${GOAL_P95_MS} ms at ${CUES} cues: ${ms(p95)} ms — ${p95 <= GOAL_P95_MS ? "met" : "NOT met"}`,
    );
    console.log("slowest:");
    for (const s of slowest.sort((a, b) => b.ms - a.ms).slice(0, 8)) {
      console.log(`  ${ms(s.ms)} ms  ${s.query.kind}  ${JSON.stringify(s.query.q)}`);
    }
  } finally {
    await pool.end();
    await pgServer.stop();
    if (!keep) await rm(dir, { recursive: true, force: true });
  }
}

await main();
