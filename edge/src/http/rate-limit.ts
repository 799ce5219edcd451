/**
 * Rate limits on the Workers rate-limiting bindings (wrangler.toml [[ratelimits]]; they work
 * in wrangler dev and the tests too). Each binding uses a 60 s window, which is what a
 * refused client is told to wait.
 */
import type { Context } from "hono";
import { ApiError } from "../../../shared/errors/api-error.ts";
import type { AppEnv } from "../env.ts";
import { clientIp, rateLimitKeyForIp } from "./client-ip.ts";

const WINDOW_SECONDS = 60;

function tooMany(message: string): ApiError {
  return new ApiError("rate_limited", message, { headers: { "retry-after": String(WINDOW_SECONDS) } });
}

/** Sign-up and login attempts per client (IPv6: per /64), successful or not. */
export async function limitAuthAttempt(c: Context<AppEnv>): Promise<void> {
  const { success } = await c.env.AUTH_IP_LIMITER.limit({ key: `ip:${rateLimitKeyForIp(clientIp(c))}` });
  if (!success) throw tooMany("too many attempts; try again in a minute");
}

/**
 * Searches (`GET /api/v1/search`, the `/search` page's query) per signed-in user, or per
 * client (IPv6: per /64) without one: every search that misses the edge cache is a
 * statement over the whole catalogue, so an anonymous client cannot keep the database busy.
 * Only a verified access token (`authenticate`) earns the user's separate, larger budget; a
 * forged or expired one counts against the address.
 */
export async function limitSearch(c: Context<AppEnv>): Promise<void> {
  const viewer = c.get("viewer");
  const { success } = viewer
    ? await c.env.SEARCH_USER_LIMITER.limit({ key: `user:${viewer.id}` })
    : await c.env.SEARCH_IP_LIMITER.limit({ key: `ip:${rateLimitKeyForIp(clientIp(c))}` });
  if (!success) throw tooMany("too many searches; try again in a minute");
}

/** Verification mails asked again per user: each one is a mail sent in our name. */
export async function limitVerificationMail(c: Context<AppEnv>, userId: string): Promise<void> {
  const { success } = await c.env.VERIFY_MAIL_LIMITER.limit({ key: `user:${userId}` });
  if (!success) throw tooMany("too many verification mails asked for; try again in a minute");
}

/**
 * Password reset requests per client (IPv6: per /64) and per address, whether or not it has
 * an account (so a refusal tells nothing). The address is hashed: no email in a limiter key.
 */
export async function limitPasswordReset(c: Context<AppEnv>, email: string): Promise<void> {
  const ip = await c.env.RESET_IP_LIMITER.limit({ key: `ip:${rateLimitKeyForIp(clientIp(c))}` });
  if (!ip.success) throw tooMany("too many password reset requests; try again in a minute");
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`reset:${email}`));
  const key = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  const address = await c.env.RESET_EMAIL_LIMITER.limit({ key: `email:${key}` });
  if (!address.success)
    throw tooMany("too many password reset requests for this address; try again in a minute");
}

/** Videos created per user (each one is a row and an upload token). */
export async function limitVideoCreation(c: Context<AppEnv>, userId: string): Promise<void> {
  const { success } = await c.env.VIDEO_CREATE_LIMITER.limit({ key: `user:${userId}` });
  if (!success) throw tooMany("too many videos created; try again in a minute");
}

/**
 * Failed logins per email *and* client: a stranger guessing the owner's password from
 * elsewhere only locks out themselves, and successful logins never count. The binding has no
 * "peek", so once it refuses, a marker in the Cache API (per location, like the binding's
 * counters) turns the next attempts away before their password is checked — otherwise a
 * locked-out guesser could still learn a right guess from a 200.
 */
export async function withLoginFailureLimit<T>(
  c: Context<AppEnv>,
  email: string,
  attempt: () => Promise<T>,
): Promise<T> {
  const key = `login:${email}\n${rateLimitKeyForIp(clientIp(c))}`;
  const marker = await lockoutMarker(key);
  if (await isLockedOut(marker)) throw tooMany("too many failed sign-ins; try again in a minute");
  try {
    return await attempt();
  } catch (err) {
    if (err instanceof ApiError && err.code === "invalid_credentials") {
      const { success } = await c.env.LOGIN_FAILURE_LIMITER.limit({ key });
      if (!success) {
        await lockOut(marker);
        throw tooMany("too many failed sign-ins; try again in a minute");
      }
    }
    throw err;
  }
}

/** The Cache API needs a URL; the key is hashed so no email appears in it. */
async function lockoutMarker(key: string): Promise<Request> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return new Request(`https://login-lockout.movio.internal/${hex}`);
}

async function isLockedOut(marker: Request): Promise<boolean> {
  try {
    return (await caches.default.match(marker)) !== undefined;
  } catch {
    // No cache here (or a workers.dev hostname, where the Cache API stores nothing): the
    // binding alone still answers 429 to every further failure.
    return false;
  }
}

async function lockOut(marker: Request): Promise<void> {
  const response = new Response("locked", { headers: { "cache-control": `max-age=${WINDOW_SECONDS}` } });
  await caches.default.put(marker, response).catch(() => undefined);
}
