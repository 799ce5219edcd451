import type { Context } from "hono";
import { getKeyRing } from "../auth/keys.ts";
import type { AppEnv } from "../env.ts";
import { AuthService } from "../services/auth-service.ts";
import { CardService } from "../services/card-service.ts";
import { PlaybackService } from "../services/playback-service.ts";
import { type SearchProvider, searchProviderFor } from "../services/search/search-provider.ts";
import { SubtitleService } from "../services/subtitle-service.ts";
import { VideoService } from "../services/video-service.ts";

/** Builds the request's services from its database handle, config and key ring. */
export async function authService(c: Context<AppEnv>): Promise<AuthService> {
  const config = c.get("config");
  return new AuthService(c.get("db"), config, await getKeyRing(config));
}

export async function videoService(c: Context<AppEnv>): Promise<VideoService> {
  const config = c.get("config");
  return new VideoService(c.get("db"), config, await getKeyRing(config));
}

export function playbackService(c: Context<AppEnv>): PlaybackService {
  return new PlaybackService(c.get("db"), c.get("config"));
}

export function subtitleService(c: Context<AppEnv>): SubtitleService {
  return new SubtitleService(c.get("db"), c.get("config"));
}

/** Postgres full text or Algolia, by SEARCH_PROVIDER: the same input, the same response shape. */
export function searchService(c: Context<AppEnv>): SearchProvider {
  return searchProviderFor(c.get("db"), c.get("config"));
}

export function cardService(c: Context<AppEnv>): CardService {
  return new CardService(c.get("db"), c.get("config"));
}
