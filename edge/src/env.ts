import type { EdgeConfig } from "../../shared/config/edge-config.ts";
import type { ApiError } from "../../shared/errors/api-error.ts";
import type { Database } from "./db/request-db.ts";
import type { RequestServices } from "./http/services.ts";
import type { Viewer } from "./services/video-access.ts";

/**
 * Bindings the Worker receives: vars from wrangler.toml, secrets from `wrangler secret put`
 * (locally `--var` from the launcher), and the rate-limiting bindings. Vars are strings,
 * validated into EdgeConfig once per isolate.
 */
export interface Bindings {
  DATABASE_URL: string;
  DB_WS_PROXY?: string;
  DB_TIMEOUT_MS?: string;
  /** Postgres statement_timeout for every edge statement, in ms (default 5000). */
  DB_STATEMENT_TIMEOUT_MS?: string;
  PUBLIC_BASE_URL?: string;
  JWT_PRIVATE_JWK: string;
  JWT_PREVIOUS_PUBLIC_JWKS?: string;
  ACCESS_TOKEN_TTL_S?: string;
  REFRESH_TOKEN_TTL_S?: string;
  UPLOAD_TOKEN_TTL_S?: string;
  UPLOAD_MAX_BYTES?: string;
  UPLOAD_ENDPOINT?: string;
  MAX_JSON_BYTES?: string;
  CDN_BASE_URL?: string;
  CDN_TOKEN_SECRET: string;
  PLAYBACK_TOKEN_TTL_S?: string;
  PLAYBACK_BIND_IP?: string;
  MAX_AWAITING_UPLOAD_PER_USER?: string;
  PROCESSING_MINUTES_PER_DAY?: string;
  PUBLIC_CACHE_TTL_S?: string;
  /** Failed sign-ins per account before the doubling wait, its cap, and how long they count. */
  LOGIN_BACKOFF_AFTER?: string;
  LOGIN_BACKOFF_MAX_S?: string;
  LOGIN_FAILURE_WINDOW_S?: string;
  SUBTITLE_MAX_BYTES?: string;
  /** Subtitle tracks per video, cues per track, and machine translation characters per user and month. */
  SUBTITLE_MAX_TRACKS?: string;
  SUBTITLE_MAX_CUES?: string;
  TRANSLATE_MONTHLY_CHARS?: string;
  AWS_TRANSLATE_ENDPOINT?: string;
  AWS_ACCESS_KEY_ID?: string;
  /** Automatic captions: endpoint override, global switch, languages, monthly minutes, longest video. */
  AWS_TRANSCRIBE_ENDPOINT?: string;
  TRANSCRIBE_ENABLED?: string;
  TRANSCRIBE_LANGUAGE_OPTIONS?: string;
  TRANSCRIBE_MONTHLY_MINUTES?: string;
  TRANSCRIBE_MAX_DURATION_S?: string;
  /** `postgres` (default) or `algolia`, with the Algolia app, search-only key, index and hosts. */
  SEARCH_PROVIDER?: string;
  ALGOLIA_APP_ID?: string;
  ALGOLIA_SEARCH_KEY?: string;
  ALGOLIA_INDEX?: string;
  ALGOLIA_HOSTS?: string;
  /** The web app's static assets (wrangler.toml [assets]). */
  ASSETS: Fetcher;
  /** Browser origins allowed to call the API cross-origin (comma-separated; empty: none). */
  CORS_ORIGINS?: string;
  /** Accounts that act as admins once their address is verified (comma-separated emails). */
  ADMIN_EMAILS?: string;
  /** Only verified accounts may create videos, upload or add webhooks (default false). */
  SIGNUP_REQUIRES_VERIFIED_EMAIL?: string;
  /** Webhook URLs may name private hosts (local stack only). */
  WEBHOOK_ALLOW_PRIVATE?: string;
  /** debug | info | warn | error (default info). */
  LOG_LEVEL?: string;
  /** json (default) | pretty. */
  LOG_FORMAT?: string;
  /** Sign-up/login attempts per client IP (wrangler.toml [[ratelimits]]). */
  AUTH_IP_LIMITER: RateLimit;
  /** Failed logins per email + client IP. */
  LOGIN_FAILURE_LIMITER: RateLimit;
  /** Videos created per user. */
  VIDEO_CREATE_LIMITER: RateLimit;
  /** Searches per client IP (IPv6: per /64) without a signed-in viewer. */
  SEARCH_IP_LIMITER: RateLimit;
  /** Searches per signed-in user. */
  SEARCH_USER_LIMITER: RateLimit;
  /** Verification mails asked again, per user. */
  VERIFY_MAIL_LIMITER: RateLimit;
  /** Password reset requests per client IP, and per address. */
  RESET_IP_LIMITER: RateLimit;
  RESET_EMAIL_LIMITER: RateLimit;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: {
    requestId: string;
    config: EdgeConfig;
    db: Database;
    /** The request's services, each built on first use (http/services.ts). */
    services: RequestServices;
    /** Set by `authenticate` when a valid access token came with the request. */
    viewer: Viewer | undefined;
    /** Why the request's bearer token was refused; only routes that need a viewer report it. */
    authError: ApiError | undefined;
  };
}
