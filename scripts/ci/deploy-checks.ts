/**
 * Deploy checks (run by .ci/run before the test suite; `npm run check:deploy` by hand): what
 * the tests cannot see, because it only shows when deploying.
 *
 * 1. The Worker builds exactly as `wrangler deploy` builds it (`wrangler deploy --dry-run
 *    --outdir`, which runs the web build of [build] first) and its gzip size stays under the
 *    Workers Free plan's limit (3 MiB; Paid allows 10 MiB). The size is printed.
 * 2. Migrations apply to an empty database, and on top of the previous release's schema (its
 *    migrations/ from git: the newest `v*` tag, else PREVIOUS_RELEASE below, or
 *    DEPLOY_PREVIOUS_RELEASE); both databases must end with the same schema (a migration that
 *    drizzle would skip on an existing database, e.g. one dated before the last applied, shows
 *    here). Embedded PostgreSQL, as in the tests.
 * 3. `docker compose -f docker-compose.farm.yml config` validates the compose file, where a
 *    docker client with the compose plugin exists (skipped with a note otherwise).
 *
 * The farm's image itself is built, started by compose and exercised by `npm run
 * test:container` (scripts/test-container.ts), which .ci/run runs too.
 *
 * Ends with one line `deploy checks: N passed, N failed, N skipped`; exits non-zero on a failure.
 */
import { execFileSync, spawn } from "node:child_process";
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { type LocalPostgres, startLocalPostgres } from "../local/embedded-postgres.ts";
import { freePort } from "../local/ports.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const require = createRequire(import.meta.url);
/** Workers Free plan: 3 MiB after compression (Paid: 10 MiB). */
const WORKER_GZIP_LIMIT = 3 * 1024 * 1024;
/** The release before the jobs console, metrics and webhooks: update at each release, or tag it `v…`. */
const PREVIOUS_RELEASE = "ffa31a1205ae0542b84c0bd50e4a4dfa67ba0503";

type Result = { status: "passed" | "failed" | "skipped"; detail: string };
class Skip extends Error {}

const scratch = mkdtempSync(path.join(os.tmpdir(), "movio-deploy-checks-"));
chmodSync(scratch, 0o755); // embedded Postgres runs as `postgres` when we are root
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** Runs a command to completion; its output is kept and shown only if it fails. */
function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
) {
  return new Promise<string>((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? ROOT,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 180_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else
        reject(
          new Error(
            `${command} ${args.join(" ")} → ${signal ?? `exit ${code}`}\n${output.trim().split("\n").slice(-40).join("\n")}`,
          ),
        );
    });
  });
}

/** 1. The Worker bundle as `wrangler deploy` would upload it. */
async function workerBundle(): Promise<string> {
  const outdir = path.join(scratch, "worker");
  const output = await run(
    process.execPath,
    [require.resolve("wrangler/bin/wrangler.js"), "deploy", "--dry-run", `--outdir=${outdir}`],
    {
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" },
    },
  );
  // What is uploaded: the modules, not their source maps.
  const files = readdirSync(outdir, { recursive: true, encoding: "utf8" })
    .map((name) => path.join(outdir, name))
    .filter((file) => statSync(file).isFile() && !file.endsWith(".map") && !file.endsWith("README.md"));
  if (files.length === 0) throw new Error(`wrangler wrote no bundle into ${outdir}\n${output}`);
  const raw = files.reduce((sum, file) => sum + statSync(file).size, 0);
  const gzip = files.reduce((sum, file) => sum + gzipSync(readFileSync(file), { level: 9 }).length, 0);
  const wranglerSays = /Total Upload: ([^\n]+)/.exec(output)?.[1]?.trim();
  const detail = `Worker ${kib(raw)}, gzip ${kib(gzip)} (limit ${kib(WORKER_GZIP_LIMIT)}, Free plan)${wranglerSays ? `; wrangler: ${wranglerSays}` : ""}`;
  if (gzip > WORKER_GZIP_LIMIT) throw new Error(`${detail}: over the limit`);
  return detail;
}

/** 2. Migrations: empty database, and on top of the previous release. */
async function migrations(postgres: LocalPostgres): Promise<string> {
  const release = previousRelease();
  const fresh = await createDatabase(postgres, "deploy_fresh");
  await applyFolder(fresh, path.join(ROOT, "migrations"));
  if (!release)
    throw new Skip(
      "empty database: applied; no previous release in this clone (shallow?), upgrade not checked",
    );
  const previousDir = path.join(scratch, "previous-migrations");
  const files = git(["ls-tree", "-r", "--name-only", release.commit, "migrations/"])
    .split("\n")
    .filter(Boolean);
  for (const file of files) {
    const target = path.join(previousDir, path.relative("migrations", file));
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, execFileSync("git", ["show", `${release.commit}:${file}`], { cwd: ROOT }));
  }
  const upgraded = await createDatabase(postgres, "deploy_upgraded");
  await applyFolder(upgraded, previousDir);
  const before = await countApplied(upgraded);
  await applyFolder(upgraded, path.join(ROOT, "migrations"));
  const after = await countApplied(upgraded);
  const differences = diffSchemas(await schemaOf(fresh), await schemaOf(upgraded));
  if (differences.length > 0) {
    throw new Error(
      `the upgraded database differs from a fresh one (a migration skipped or not equivalent):\n  ${differences.slice(0, 20).join("\n  ")}`,
    );
  }
  return `empty database: ${await countApplied(fresh)} migrations; previous release ${release.name} (${before} migrations) + ${after - before} new: same schema`;
}

function previousRelease(): { commit: string; name: string } | undefined {
  const wanted = process.env.DEPLOY_PREVIOUS_RELEASE;
  let tag: string | undefined;
  try {
    tag = git(["describe", "--tags", "--abbrev=0", "--match", "v*", "HEAD"]).trim() || undefined;
  } catch {
    tag = undefined;
  }
  const ref = wanted || tag || PREVIOUS_RELEASE;
  try {
    return {
      commit: git(["rev-parse", "--verify", `${ref}^{commit}`]).trim(),
      name: wanted || tag || ref.slice(0, 7),
    };
  } catch {
    return undefined;
  }
}

const git = (args: string[]) =>
  execFileSync("git", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });

async function createDatabase(postgres: LocalPostgres, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  try {
    await admin.query(`drop database if exists "${name}"`);
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  return postgres.url.replace(/\/[^/]+$/, `/${name}`);
}

async function applyFolder(url: string, folder: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await migrate(drizzle(client), { migrationsFolder: folder });
  } finally {
    await client.end();
  }
}

async function countApplied(url: string): Promise<number> {
  return (
    (await query<{ n: number }>(url, "select count(*)::int as n from drizzle.__drizzle_migrations"))[0]?.n ??
    0
  );
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** Tables, columns, indexes, constraints, functions, triggers and extensions, as comparable lines. */
async function schemaOf(url: string): Promise<Set<string>> {
  const rows = await query<{ line: string }>(
    url,
    `select 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') as line
       from information_schema.columns where table_schema = 'public'
     union all select 'index ' || indexdef from pg_indexes where schemaname = 'public'
     union all select 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
       from pg_constraint where connamespace = 'public'::regnamespace
     union all select 'function ' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') ' || md5(p.prosrc)
       from pg_proc p where p.pronamespace = 'public'::regnamespace
     union all select 'trigger ' || tgrelid::regclass || ' ' || tgname || ' ' || pg_get_triggerdef(oid)
       from pg_trigger where not tgisinternal
     union all select 'extension ' || extname from pg_extension`,
  );
  return new Set(rows.map((r) => r.line));
}

function diffSchemas(fresh: Set<string>, upgraded: Set<string>): string[] {
  return [
    ...[...fresh].filter((line) => !upgraded.has(line)).map((line) => `only when fresh:    ${line}`),
    ...[...upgraded].filter((line) => !fresh.has(line)).map((line) => `only when upgraded: ${line}`),
  ];
}

/** 3. The compose file, as `docker compose` reads it (with farm.env made from farm/farm.env.example, as docs/deploy.md says). */
async function composeFile(): Promise<string> {
  try {
    execFileSync("docker", ["compose", "version"], { stdio: "ignore" });
  } catch {
    throw new Skip("no docker client with the compose plugin here: `docker compose config` not run");
  }
  const dir = path.join(scratch, "compose");
  mkdirSync(path.join(dir, "farm"), { recursive: true });
  cpSync(path.join(ROOT, "docker-compose.farm.yml"), path.join(dir, "docker-compose.farm.yml"));
  cpSync(path.join(ROOT, "farm/Dockerfile"), path.join(dir, "farm/Dockerfile"));
  cpSync(path.join(ROOT, "farm/nginx.conf"), path.join(dir, "farm/nginx.conf"));
  cpSync(path.join(ROOT, "farm/farm.env.example"), path.join(dir, "farm.env"));
  await run("docker", ["compose", "-f", "docker-compose.farm.yml", "config", "--quiet"], { cwd: dir });
  return "docker compose -f docker-compose.farm.yml config: valid";
}

const results: { name: string; result: Result; seconds: number }[] = [];
async function check(name: string, work: () => Promise<string>): Promise<void> {
  const started = Date.now();
  let result: Result;
  try {
    result = { status: "passed", detail: await work() };
  } catch (err) {
    result =
      err instanceof Skip
        ? { status: "skipped", detail: err.message }
        : { status: "failed", detail: (err as Error).message };
  }
  const seconds = (Date.now() - started) / 1000;
  results.push({ name, result, seconds });
  const mark = { passed: "✔", failed: "✘", skipped: "–" }[result.status];
  console.log(`${mark} ${name} (${seconds.toFixed(1)} s): ${result.detail}`);
}

console.log("deploy checks");
let postgres: LocalPostgres | undefined;
try {
  await check("worker bundle (wrangler deploy --dry-run)", workerBundle);
  postgres = await startLocalPostgres({
    dataDir: path.join(scratch, "pg"),
    port: await freePort(),
    ephemeral: true,
  });
  const db = postgres;
  await check("migrations (empty database, previous release)", () => migrations(db));
  await check("docker-compose.farm.yml", composeFile);
} finally {
  await postgres?.stop();
  rmSync(scratch, { recursive: true, force: true });
}
const count = (status: Result["status"]) => results.filter((r) => r.result.status === status).length;
console.log(
  `deploy checks: ${count("passed")} passed, ${count("failed")} failed, ${count("skipped")} skipped`,
);
process.exit(count("failed") > 0 ? 1 : 0);
