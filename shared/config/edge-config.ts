/**
 * Edge (Worker) configuration: the bindings `wrangler.toml` vars and `wrangler secret put`
 * provide, validated once per isolate. Defaults are the local stack's.
 */
import { z } from "zod";
import { optionalString, positiveInt, postgresUrl } from "./env-types.ts";

export const edgeConfigSchema = z.object({
  DATABASE_URL: postgresUrl,
  /** Local only: `host:port` of the WebSocket→TCP bridge in front of a plain Postgres. */
  DB_WS_PROXY: optionalString,
  DB_TIMEOUT_MS: positiveInt(3000),
  PUBLIC_BASE_URL: z.url().default("http://127.0.0.1:8787"),
});

export type EdgeConfig = z.output<typeof edgeConfigSchema>;
