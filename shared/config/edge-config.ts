/**
 * Edge (Worker) configuration: the bindings `wrangler.toml` vars and `wrangler secret put`
 * provide, validated once per isolate. Defaults are the local stack's.
 */
import { z } from "zod";
import { booleanFlag, optionalString, positiveInt, postgresUrl } from "./env-types.ts";

export const edgeConfigSchema = z.object({
  DATABASE_URL: postgresUrl,
  /** Local only: `host:port` of the WebSocket→TCP bridge in front of a plain Postgres. */
  DB_WS_PROXY: optionalString,
  DB_TIMEOUT_MS: positiveInt(3000),
  PUBLIC_BASE_URL: z.url().default("http://127.0.0.1:8787"),
  /** Secret: the Ed25519 private JWK (with `kid`) that signs access and upload tokens. */
  JWT_PRIVATE_JWK: z.string().min(1, "set it with `wrangler secret put JWT_PRIVATE_JWK`"),
  /** Optional JSON array of retired public JWKs still accepted while their tokens live. */
  JWT_PREVIOUS_PUBLIC_JWKS: optionalString,
  ACCESS_TOKEN_TTL_S: positiveInt(900),
  REFRESH_TOKEN_TTL_S: positiveInt(30 * 24 * 3600),
  UPLOAD_TOKEN_TTL_S: positiveInt(24 * 3600),
  /** Largest upload a token allows (20 GiB). */
  UPLOAD_MAX_BYTES: positiveInt(20 * 1024 ** 3),
  /** The farm's tus endpoint clients upload to. */
  UPLOAD_ENDPOINT: z.url().default("http://127.0.0.1:1080/files/"),
  /** Where players fetch media: Gcore in production, the local CDN origin in dev. */
  CDN_BASE_URL: z.url().default("http://127.0.0.1:8088"),
  /** Secret: Gcore's secure-token key (6–32 characters). */
  CDN_TOKEN_SECRET: z.string().min(6).max(32),
  /** How long signed playback URLs live. */
  PLAYBACK_TOKEN_TTL_S: positiveInt(6 * 3600),
  /** Bind playback tokens to the viewer's IP (Gcore's "add the client's IP" option). */
  PLAYBACK_BIND_IP: booleanFlag(false),
  /** Largest JSON body the API accepts. */
  MAX_JSON_BYTES: positiveInt(64 * 1024),
});

export type EdgeConfig = z.output<typeof edgeConfigSchema>;
