/**
 * Applies migrations/ to a database. Used by the local launcher, the test set-ups and the
 * deploy script, so every environment runs the very same SQL. drizzle records what it
 * applied in `drizzle.__drizzle_migrations`, which makes a second run a no-op.
 */
import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";

export const MIGRATIONS_DIR = fileURLToPath(new URL("../../migrations", import.meta.url));

export async function applyMigrations(databaseUrl: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    // Two launchers racing on one database must not apply the same migration twice.
    const client = await pool.connect();
    try {
      await client.query("select pg_advisory_lock(727274)");
      await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_DIR });
    } finally {
      await client.query("select pg_advisory_unlock(727274)").catch(() => undefined);
      client.release();
    }
  } finally {
    await pool.end();
  }
}
