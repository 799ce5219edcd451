import pg from "pg";
import type { FarmConfig } from "../../../shared/config/farm-config.ts";

/** The farm talks to Postgres over plain TCP (node-postgres), one pool per process. */
/** `nodeId` names the connections (`movio-farm <node>`), so an operator sees whose they are. */
export function createDbPool(config: FarmConfig, nodeId = "farm"): pg.Pool {
  const pool = new pg.Pool({
    connectionString: config.DATABASE_URL,
    connectionTimeoutMillis: config.DB_TIMEOUT_MS,
    // Requests and jobs borrow a connection per query, never for their whole duration, so a
    // small pool serves any number of uploads (the lock session is one more connection).
    max: 10,
    application_name: `movio-farm ${nodeId}`.slice(0, 63),
  });
  pool.on("error", (err) => console.error("[farm] idle database client error:", err.message));
  return pool;
}

/** `select 1` bounded by the configured timeout; never hangs a health check. */
export async function pingDb(pool: pg.Pool, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const query = pool.query("select 1").then(
      () => true,
      () => false,
    );
    return await Promise.race([query, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
