/**
 * Edge (Worker) configuration: the bindings `wrangler.toml` vars and `wrangler secret put`
 * provide, validated once per isolate. Defaults are the local stack's.
 */
import { z } from "zod";
import { publicJwksJson } from "../auth/public-jwks.ts";
import { booleanFlag, optionalString, positiveInt, postgresUrl } from "./env-types.ts";
import { logConfigFields } from "./log-config.ts";
import { algoliaHosts, algoliaIndex, requireAlgolia, searchProvider } from "./search-config.ts";
import { transcriptionConfigFields } from "./transcription.ts";

/**
 * Gcore's secure-token key. Gcore allows 6–32 characters, but every viewer sees
 * `(expires, path, md5)` triples signed with it, so a short key can be brute-forced offline
 * and then signs any directory: at least 16 characters, and never a placeholder. The local
 * CDN origin can check its copy of the secret with this same schema.
 */
export const cdnTokenSecret = z
  .string({ message: "set it with `wrangler secret put CDN_TOKEN_SECRET` (npm start generates one)" })
  .min(1, {
    message:
      "is empty (the .env.example placeholder): set 16–32 random characters, or leave it unset for npm start",
    abort: true,
  })
  .min(16, "must be at least 16 characters: short keys can be brute-forced from any signed URL")
  .max(32, "must be at most 32 characters (Gcore's limit)")
  .refine((v) => !PLACEHOLDER.test(v), "is a placeholder: set 16–32 random characters");

/** Words that mark a documentation or template value rather than a real key. */
const PLACEHOLDER = /change[-_ ]?me|placeholder|example|your[-_ ]?(cdn[-_ ]?)?(token[-_ ]?)?secret/i;

const edgeConfigFields = z.object({
  DATABASE_URL: postgresUrl,
  /** Local only: `host:port` of the WebSocket→TCP bridge in front of a plain Postgres. */
  DB_WS_PROXY: optionalString,
  DB_TIMEOUT_MS: positiveInt(3000),
  /**
   * Postgres cancels any edge statement running longer (statement_timeout, set per query's
   * transaction: edge/src/db/statement-timeout.ts); the request then answers 503.
   */
  DB_STATEMENT_TIMEOUT_MS: positiveInt(5000),
  PUBLIC_BASE_URL: z.url().default("http://127.0.0.1:8787"),
  /** Secret: the Ed25519 private JWK (with `kid`) that signs access and upload tokens. */
  JWT_PRIVATE_JWK: z.string().min(1, "set it with `wrangler secret put JWT_PRIVATE_JWK`"),
  /** Retired public JWKs still accepted while their tokens live (never private ones). */
  JWT_PREVIOUS_PUBLIC_JWKS: optionalString.pipe(publicJwksJson.optional()).transform((keys) => keys ?? []),
  ACCESS_TOKEN_TTL_S: positiveInt(900),
  REFRESH_TOKEN_TTL_S: positiveInt(30 * 24 * 3600),
  UPLOAD_TOKEN_TTL_S: positiveInt(24 * 3600),
  /** Largest upload a token allows (20 GiB). */
  UPLOAD_MAX_BYTES: positiveInt(20 * 1024 ** 3),
  /** The farm's tus endpoint clients upload to. */
  UPLOAD_ENDPOINT: z.url().default("http://127.0.0.1:1080/files/"),
  /** Videos one user may have waiting for their upload; creating more answers quota_exceeded. */
  MAX_AWAITING_UPLOAD_PER_USER: positiveInt(20),
  /**
   * Minutes of source one user may have accepted for processing in any 24 hours (the farm's
   * limit of the same name; deleted videos count). Once it is used up, upload tickets are
   * refused with 429 `quota_exceeded`; the farm refuses a transcode that would go past it.
   */
  PROCESSING_MINUTES_PER_DAY: positiveInt(600),
  /** Where players fetch media: Gcore in production, the local CDN origin in dev. */
  CDN_BASE_URL: z.url().default("http://127.0.0.1:8088"),
  /** Secret: Gcore's secure-token key. */
  CDN_TOKEN_SECRET: cdnTokenSecret,
  /** How long signed playback URLs live. */
  PLAYBACK_TOKEN_TTL_S: positiveInt(6 * 3600),
  /** Bind playback tokens to the viewer's IP (Gcore's "add the client's IP" option). */
  PLAYBACK_BIND_IP: booleanFlag(false),
  /**
   * Failed sign-ins for one account (from any address) before each further attempt waits:
   * 2 s, then 4 s, 8 s … doubling per failure (edge/src/services/login-backoff.ts).
   */
  LOGIN_BACKOFF_AFTER: positiveInt(5),
  /** The longest wait between attempts on one account (the owner is never locked out longer). */
  LOGIN_BACKOFF_MAX_S: positiveInt(900),
  /** Failed sign-ins older than this are forgotten (and a success forgets them at once). */
  LOGIN_FAILURE_WINDOW_S: positiveInt(3600),
  /** Largest JSON body the API accepts. */
  MAX_JSON_BYTES: positiveInt(64 * 1024),
  /** LOG_LEVEL (debug|info|warn|error) and LOG_FORMAT (json|pretty). */
  ...logConfigFields,
  /**
   * Seconds anonymous reads that are the same for everyone (the public catalog, a public
   * video) are served from the edge cache; 0 turns the cache off.
   */
  PUBLIC_CACHE_TTL_S: z.coerce.number().int().min(0).max(3600).default(10),
  /** Largest subtitle file a PUT takes (2 MiB: hours of dialogue). */
  SUBTITLE_MAX_BYTES: positiveInt(2 * 1024 ** 2),
  /** Subtitle tracks one video may have, of every origin (409 too_many_tracks past it). */
  SUBTITLE_MAX_TRACKS: positiveInt(40),
  /** Cues one subtitle track may hold (413 too_many_cues past it; a feature film has ~2,000). */
  SUBTITLE_MAX_CUES: positiveInt(20_000),
  /**
   * Characters one user may send to machine translation per calendar month (UTC), counted
   * across all their videos, deleted ones included (429 quota_exceeded past it).
   */
  TRANSLATE_MONTHLY_CHARS: positiveInt(1_000_000),
  /**
   * Machine translation runs on the farm; the edge only needs to know whether it is on, so it
   * can refuse requests up front (409 translation_unavailable) and say so in capabilities —
   * by the farm's own rule (shared/config/translation.ts): an endpoint override (a local
   * stand-in) or AWS credentials named. The edge never calls AWS, so it takes no AWS secret.
   */
  AWS_TRANSLATE_ENDPOINT: optionalString.pipe(z.url().optional()),
  AWS_ACCESS_KEY_ID: optionalString,
  /** Automatic captions from speech (Amazon Transcribe): shared/config/transcription.ts. */
  ...transcriptionConfigFields,
  /**
   * Browser origins on other sites allowed to call the API (comma-separated, e.g.
   * `https://app.example.com`); empty: same-origin only (the web app needs nothing here).
   */
  CORS_ORIGINS: optionalString.transform((list) =>
    (list ?? "")
      .split(",")
      .map((origin) => origin.trim().replace(/\/$/, ""))
      .filter((origin) => origin.length > 0),
  ),
  /**
   * Accounts that act as admins whatever their stored role (comma-separated emails, compared
   * case-insensitively); `npm run admin -- grant <email>` sets the stored role instead.
   */
  ADMIN_EMAILS: optionalString.transform((list) =>
    (list ?? "")
      .split(",")
      .map((email) => email.trim().toLowerCase())
      .filter((email) => email.length > 0),
  ),
  /**
   * An account must verify its email address before it creates videos, uploads or adds
   * webhooks (403 email_unverified); it may sign in and watch meanwhile. Off by default.
   */
  SIGNUP_REQUIRES_VERIFIED_EMAIL: booleanFlag(false),
  /**
   * Webhook URLs may name loopback, private or link-local hosts (the local stack turns this
   * on; never in production: SSRF). The farm checks resolved addresses again at delivery.
   */
  WEBHOOK_ALLOW_PRIVATE: booleanFlag(false),
  /** Who answers /api/v1/search: Postgres full text (default) or Algolia. */
  SEARCH_PROVIDER: searchProvider,
  ALGOLIA_APP_ID: optionalString,
  /** Secret: a search-only key (the edge never writes to the index; the farm does). */
  ALGOLIA_SEARCH_KEY: optionalString,
  ALGOLIA_INDEX: algoliaIndex,
  /** Hosts other than Algolia's own (a local stand-in, tests): comma-separated base URLs. */
  ALGOLIA_HOSTS: algoliaHosts,
});

/** Selecting Algolia without its keys is refused at start, naming what is missing. */
export const edgeConfigSchema = edgeConfigFields.superRefine(
  requireAlgolia(["ALGOLIA_APP_ID", "ALGOLIA_SEARCH_KEY"]),
);

export type EdgeConfig = z.output<typeof edgeConfigSchema>;
