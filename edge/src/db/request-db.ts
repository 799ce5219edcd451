/**
 * One short-lived Neon Pool per request: a Pool cannot outlive the request on Workers, so
 * it is opened on first use and closed with `waitUntil` once the response is sent.
 */
import { neonConfig, Pool } from "@neondatabase/serverless";
import { drizzle, type NeonDatabase } from "drizzle-orm/neon-serverless";
import type { EdgeConfig } from "../../../shared/config/edge-config.ts";
import * as schema from "../../../shared/db/schema.ts";

export type Database = NeonDatabase<typeof schema>;

export interface RequestDb {
  /** The drizzle handle, created on first call. */
  get(): Database;
  /** Closes the pool if one was opened; safe to call more than once. */
  close(): Promise<void>;
}

export function createRequestDb(config: EdgeConfig): RequestDb {
  let pool: Pool | undefined;
  let db: Database | undefined;
  return {
    get() {
      if (!db) {
        if (config.DB_WS_PROXY) useLocalBridge(config.DB_WS_PROXY);
        pool = new Pool({
          connectionString: config.DATABASE_URL,
          connectionTimeoutMillis: config.DB_TIMEOUT_MS,
          max: 4,
        });
        // An idle client dying (e.g. the database restarting) must not crash the isolate.
        pool.on("error", () => undefined);
        db = drizzle(pool, { schema });
      }
      return db;
    },
    async close() {
      const open = pool;
      pool = undefined;
      db = undefined;
      if (open) await open.end().catch(() => undefined);
    },
  };
}

function useLocalBridge(proxy: string): void {
  // The local bridge speaks plain ws:// and no pipelining: see scripts/local/ws-bridge.ts.
  neonConfig.wsProxy = (host, port) => `${proxy}/v1?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineConnect = false;
  neonConfig.pipelineTLS = false;
}
