/**
 * Security headers of the HTML pages. The CSP allows scripts and styles from this origin
 * only (no inline code at all), media and images from the CDN, and API calls to this origin,
 * the CDN and the farm's upload endpoint (tus runs from the upload page).
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";

export function contentSecurityPolicy(c: Context<AppEnv>): string {
  const config = c.get("config");
  const cdn = new URL(config.CDN_BASE_URL).origin;
  const uploads = new URL(config.UPLOAD_ENDPOINT).origin;
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: blob: ${cdn}`,
    `media-src 'self' blob: ${cdn}`,
    `connect-src 'self' ${cdn} ${uploads}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export function setPageHeaders(c: Context<AppEnv>): void {
  c.header("content-security-policy", contentSecurityPolicy(c));
  c.header("x-content-type-options", "nosniff");
  c.header("referrer-policy", "strict-origin-when-cross-origin");
  c.header("x-frame-options", "DENY");
}

export const pageSecurityHeaders = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  setPageHeaders(c);
});
