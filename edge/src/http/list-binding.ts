/**
 * Lists of videos (catalog cards, search hits) carry signed poster URLs. With
 * PLAYBACK_BIND_IP off (the default) those carry no address and the answer is the same for
 * everyone, so it may enter the shared edge cache. With it on, posters are bound to the
 * viewer's address, and the answer must not be cached for others.
 */
import type { Context } from "hono";
import type { AppEnv } from "../env.ts";
import { clientIp } from "./client-ip.ts";

export function listBinding(c: Context<AppEnv>): { clientIp: string | undefined; shared: boolean } {
  const bind = c.get("config").PLAYBACK_BIND_IP;
  return { clientIp: bind ? clientIp(c) : undefined, shared: !bind };
}
