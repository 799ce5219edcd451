import type { Context } from "hono";
import { ApiError } from "../../../shared/errors/api-error.ts";
import type { AppEnv } from "../env.ts";

/** Both bindings use a 60 s window (wrangler.toml), which is what a refused client waits. */
const WINDOW_SECONDS = 60;

/**
 * Sign-up and login are limited per client IP and per email (the Workers rate-limiting
 * binding; works in wrangler dev and tests). Both must pass.
 */
export async function limitAuthAttempt(c: Context<AppEnv>, email: string): Promise<void> {
  const ip = c.req.header("cf-connecting-ip") ?? "unknown";
  const [byIp, byEmail] = await Promise.all([
    c.env.AUTH_IP_LIMITER.limit({ key: `ip:${ip}` }),
    c.env.AUTH_EMAIL_LIMITER.limit({ key: `email:${email}` }),
  ]);
  if (!byIp.success || !byEmail.success) {
    throw new ApiError("rate_limited", "too many attempts; try again in a minute", {
      headers: { "retry-after": String(WINDOW_SECONDS) },
    });
  }
}
