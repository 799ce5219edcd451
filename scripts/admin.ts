/**
 * `npm run admin -- grant <email>` / `revoke <email>` / `list`: who has the admin role (the
 * jobs console at /admin/jobs and /api/v1/admin/*). Accounts in the edge's ADMIN_EMAILS are
 * admins as well, whatever this says.
 *
 * The database: DATABASE_URL when set (environment or .env), else the local stack's embedded
 * one — reached on PG_PORT while `npm start` runs, or started from MOVIO_DATA_DIR for the
 * moment of the command when it does not. No settings needed for a local install.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { ConfigError } from "../shared/config/env-parse.ts";
import { localPostgresUrl, startLocalPostgres } from "./local/embedded-postgres.ts";
import { readStackConfig } from "./local/stack-config.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const envFile = path.join(ROOT, ".env");
if (existsSync(envFile)) process.loadEnvFile(envFile);

const USAGE = "usage: npm run admin -- grant <email> | revoke <email> | list";

async function withDatabase<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const config = readStackConfig();
  const url = config.DATABASE_URL ?? localPostgresUrl(config.PG_PORT);
  const run = async (connectionString: string) => {
    const client = new pg.Client({ connectionString, connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  try {
    return await run(url);
  } catch (err) {
    const refused = (err as { code?: string }).code === "ECONNREFUSED";
    const dataDir = path.resolve(ROOT, config.MOVIO_DATA_DIR, "postgres");
    if (config.DATABASE_URL || !refused) throw err;
    if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
      throw new Error(`no local database in ${dataDir}: run \`npm start\` once, or set DATABASE_URL`);
    }
    // The stack is not running: open its database just for this command.
    const local = await startLocalPostgres({ dataDir, port: config.PG_PORT });
    try {
      return await run(local.url);
    } finally {
      await local.stop();
    }
  }
}

async function setRole(email: string, role: "admin" | "viewer"): Promise<void> {
  await withDatabase(async (client) => {
    const { rows } = await client.query<{ email: string; was: string }>(
      `update users u set role = $2 from (select id, role as was from users where lower(email) = lower($1)) old
       where u.id = old.id returning u.email, old.was`,
      [email, role],
    );
    const row = rows[0];
    if (!row) throw new Error(`no account with the email ${email}: sign up first`);
    const what = role === "admin" ? "is now an admin" : "is no longer an admin";
    console.log(
      row.was === role
        ? `${row.email} already ${role === "admin" ? "is an admin" : "is not an admin"}`
        : `${row.email} ${what}`,
    );
  });
}

async function list(): Promise<void> {
  await withDatabase(async (client) => {
    const { rows } = await client.query<{ email: string }>(
      "select email from users where role = 'admin' order by email",
    );
    console.log(
      rows.length ? rows.map((r) => r.email).join("\n") : "no admins (ADMIN_EMAILS may still name some)",
    );
  });
}

const [command, email] = process.argv.slice(2);
try {
  if ((command === "grant" || command === "revoke") && email)
    await setRole(email, command === "grant" ? "admin" : "viewer");
  else if (command === "list") await list();
  else {
    console.error(USAGE);
    process.exitCode = 2;
  }
} catch (err) {
  console.error(`admin: ${err instanceof ConfigError ? err.message : (err as Error).message}`);
  process.exitCode = 1;
}
