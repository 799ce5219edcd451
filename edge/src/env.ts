import type { EdgeConfig } from "../../shared/config/edge-config.ts";
import type { RequestDb } from "./db/request-db.ts";

/**
 * Bindings the Worker receives: vars from wrangler.toml, secrets from `wrangler secret put`
 * (locally `--var` from the launcher). All strings; validated into EdgeConfig once.
 */
export interface Bindings {
  DATABASE_URL: string;
  DB_WS_PROXY?: string;
  DB_TIMEOUT_MS?: string;
  PUBLIC_BASE_URL?: string;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: {
    requestId: string;
    config: EdgeConfig;
    db: RequestDb;
  };
}
