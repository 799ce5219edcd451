/**
 * The request's services, read from `c.var.services`: built once per request, and only when a
 * route first asks for one. The `services` middleware puts an empty holder on every request;
 * a request that asks for no service (`/healthz`, static pages, JWKS) builds none, and none of
 * them opens anything: the database handle is the isolate's HTTP client (db/request-db.ts).
 * Services that sign tokens (auth, videos) need the key ring, which may still be loading, so
 * they come as promises: `const videos = await c.var.services.videos;`.
 */
import { createMiddleware } from "hono/factory";
import type { EdgeConfig } from "../../../shared/config/edge-config.ts";
import { getKeyRing } from "../auth/keys.ts";
import type { Database } from "../db/request-db.ts";
import type { AppEnv } from "../env.ts";
import { AccountEmailService } from "../services/account-email-service.ts";
import { AccountService } from "../services/account-service.ts";
import { AdminActions } from "../services/admin-actions.ts";
import { AdminQueries } from "../services/admin-queries.ts";
import { AuthService } from "../services/auth-service.ts";
import { CardService } from "../services/card-service.ts";
import { PlaybackService } from "../services/playback-service.ts";
import { type SearchProvider, searchProviderFor } from "../services/search/search-provider.ts";
import { SubtitleService } from "../services/subtitle-service.ts";
import { VideoService } from "../services/video-service.ts";
import { WebhookService } from "../services/webhook-service.ts";

export class RequestServices {
  #auth?: Promise<AuthService>;
  #videos?: Promise<VideoService>;
  #playback?: PlaybackService;
  #subtitles?: SubtitleService;
  #search?: SearchProvider;
  #cards?: CardService;
  #webhooks?: WebhookService;
  #adminQueries?: AdminQueries;
  #adminActions?: AdminActions;
  #accountEmail?: AccountEmailService;
  #account?: AccountService;

  constructor(
    private readonly db: Database,
    private readonly config: EdgeConfig,
  ) {}

  get auth(): Promise<AuthService> {
    this.#auth ??= getKeyRing(this.config).then((keys) => new AuthService(this.db, this.config, keys));
    return this.#auth;
  }

  /** Verification and password reset links (mailed through send_email jobs). */
  get accountEmail(): AccountEmailService {
    this.#accountEmail ??= new AccountEmailService(this.db, this.config);
    return this.#accountEmail;
  }

  /** The signed-in user's own account: settings, password, address, sessions, deletion. */
  get account(): AccountService {
    this.#account ??= new AccountService(this.db, this.config);
    return this.#account;
  }

  get videos(): Promise<VideoService> {
    this.#videos ??= getKeyRing(this.config).then((keys) => new VideoService(this.db, this.config, keys));
    return this.#videos;
  }

  get playback(): PlaybackService {
    this.#playback ??= new PlaybackService(this.db, this.config);
    return this.#playback;
  }

  get subtitles(): SubtitleService {
    this.#subtitles ??= new SubtitleService(this.db, this.config);
    return this.#subtitles;
  }

  /** Postgres full text or Algolia, by SEARCH_PROVIDER: the same input, the same response shape. */
  get search(): SearchProvider {
    this.#search ??= searchProviderFor(this.db, this.config);
    return this.#search;
  }

  get cards(): CardService {
    this.#cards ??= new CardService(this.db, this.config);
    return this.#cards;
  }

  get webhooks(): WebhookService {
    this.#webhooks ??= new WebhookService(this.db, this.config);
    return this.#webhooks;
  }

  get adminQueries(): AdminQueries {
    this.#adminQueries ??= new AdminQueries(this.db);
    return this.#adminQueries;
  }

  get adminActions(): AdminActions {
    this.#adminActions ??= new AdminActions(this.db);
    return this.#adminActions;
  }
}

/** After requestContext (which sets `db` and `config`): the request's lazy service holder. */
export const services = createMiddleware<AppEnv>(async (c, next) => {
  c.set("services", new RequestServices(c.get("db"), c.get("config")));
  await next();
});
