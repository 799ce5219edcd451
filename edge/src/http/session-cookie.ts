/**
 * The web app's refresh-token cookie: HttpOnly (scripts never see it), Secure, SameSite=Strict
 * (no cross-site request carries it) and scoped to the web-session routes, so no other request
 * sends it. Requests that use it must also carry the `x-movio-session` header, which an HTML
 * form cannot set and a cross-origin page can set only after a CORS preflight we refuse, and
 * an Origin, when sent, must be this site's or an allow-listed one.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { WEB_SESSION_HEADER } from "../../../shared/api/auth.ts";
import { ApiError } from "../../../shared/errors/api-error.ts";
import type { AppEnv } from "../env.ts";

export const SESSION_COOKIE = "movio_refresh";
export const SESSION_COOKIE_PATH = "/api/v1/auth/web";

export function readSessionCookie(c: Context<AppEnv>): string | undefined {
  return getCookie(c, SESSION_COOKIE) || undefined;
}

export function writeSessionCookie(c: Context<AppEnv>, refreshToken: string, expiresAt: string): void {
  setCookie(c, SESSION_COOKIE, refreshToken, {
    path: SESSION_COOKIE_PATH,
    httpOnly: true,
    secure: true,
    sameSite: "Strict",
    expires: new Date(expiresAt),
  });
}

export function clearSessionCookie(c: Context<AppEnv>): void {
  deleteCookie(c, SESSION_COOKIE, {
    path: SESSION_COOKIE_PATH,
    httpOnly: true,
    secure: true,
    sameSite: "Strict",
  });
}

/** Refuses a cookie-session request a page of another site could have made. */
export function checkSessionRequest(c: Context<AppEnv>): void {
  if (c.req.header(WEB_SESSION_HEADER) !== "cookie") {
    throw new ApiError("forbidden", `web session requests need the header ${WEB_SESSION_HEADER}: cookie`);
  }
  const origin = c.req.header("origin");
  if (origin === undefined) return;
  const own = new URL(c.req.url).origin;
  const config = c.get("config");
  if (
    origin !== own &&
    origin !== new URL(config.PUBLIC_BASE_URL).origin &&
    !config.CORS_ORIGINS.includes(origin)
  ) {
    throw new ApiError("forbidden", "this origin may not use the web session");
  }
}
