/**
 * How the edge reaches Postgres, in one place: Neon's HTTP query path (`neon()` + drizzle's
 * neon-http driver). Every query is one HTTPS round trip to Neon's proxy, which keeps the
 * Postgres connections warm; there is no WebSocket, no connection start-up and no SCRAM
 * handshake per request. Statements that must commit together go as one batch
 * (`db.batch([...])`, a non-interactive transaction in a single round trip).
 *
 * No route needs an interactive transaction (one whose next statement depends on code run
 * after the previous one): writes are single statements (CTEs) or batches. Were one ever
 * needed, the WebSocket `Pool` of the same driver, opened per request and closed with
 * `waitUntil`, belongs here too, so routes never know which path a query takes.
 *
 * Every statement runs under DB_STATEMENT_TIMEOUT_MS (statement-timeout.ts).
 *
 * Locally, `DB_WS_PROXY` names the bridge (scripts/local/ws-bridge.ts) that serves the same
 * `POST /sql` protocol in front of a plain Postgres.
 */
import { type NeonQueryFunction, neon, neonConfig } from "@neondatabase/serverless";
import { drizzle, type NeonHttpDatabase } from "drizzle-orm/neon-http";
import type { EdgeConfig } from "../../../shared/config/edge-config.ts";
import * as schema from "../../../shared/db/schema.ts";
import { withStatementTimeout } from "./statement-timeout.ts";

export type Database = NeonHttpDatabase<typeof schema>;

// One handle per isolate, connection string and timeout: `neon()` is only a configured fetch
// and holds no connection, so every request of the isolate shares it.
const handles = new Map<string, Database>();

/** Local bridges by the `host:port` of the database they serve (neonConfig is global). */
const localBridges = new Map<string, string>();
const neonEndpoint = neonConfig.fetchEndpoint;

export function databaseFor(config: EdgeConfig): Database {
  const key = `${config.DB_STATEMENT_TIMEOUT_MS}:${config.DATABASE_URL}`;
  let db = handles.get(key);
  if (!db) {
    if (config.DB_WS_PROXY) useLocalBridge(config.DATABASE_URL, config.DB_WS_PROXY);
    const client: NeonQueryFunction<false, false> = neon(config.DATABASE_URL);
    db = drizzle({ client: withStatementTimeout(client, config.DB_STATEMENT_TIMEOUT_MS), schema });
    handles.set(key, db);
  }
  return db;
}

function useLocalBridge(databaseUrl: string, proxy: string): void {
  const { hostname, port } = new URL(databaseUrl);
  localBridges.set(`${hostname}:${port || "5432"}`, proxy);
  // The local bridge speaks plain http:// on loopback: see scripts/local/neon-http.ts.
  neonConfig.fetchEndpoint = (host, port, options) => {
    const bridge = localBridges.get(`${host}:${port || "5432"}`);
    if (bridge) return `http://${bridge}/sql`;
    return typeof neonEndpoint === "function" ? neonEndpoint(host, port, options) : neonEndpoint;
  };
}
