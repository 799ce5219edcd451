/**
 * Gcore's generic CDN secure token, shared by the edge (signing) and the local CDN
 * (checking exactly as Gcore does):
 *   md5 = base64url_nopad(MD5("{expires}{path}{ip} {secret}"))   → ?md5=…&expires=…
 * `path` is a directory (up to and including its last "/"): one token covers the manifest,
 * segments and images beside it, but not other directories nor subdirectories.
 *
 * MD5 comes from `node:crypto`, which Node and Workers (under `nodejs_compat`) both provide; it
 * is only Gcore's chosen digest here, the token's strength is the secret.
 */
import { createHash } from "node:crypto";

export interface TokenInput {
  /** The signed path: a directory ending in "/" (or an exact file path). */
  path: string;
  /** Unix seconds. */
  expires: number;
  secret: string;
  /** Only when IP binding is on. */
  ip?: string;
}

export function gcoreMd5({ path, expires, secret, ip = "" }: TokenInput): string {
  // base64url has no padding.
  return createHash("md5").update(`${expires}${path}${ip} ${secret}`, "utf8").digest("base64url");
}

/** The directory a request path is in, as signed: "/media/x/1/seg.m4s" → "/media/x/1/". */
export function directoryOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/") + 1);
}

export function tokenQuery(input: TokenInput): string {
  return `md5=${gcoreMd5(input)}&expires=${input.expires}`;
}

export type TokenCheck = "ok" | "missing" | "invalid" | "expired";

/** What Gcore does with a request: 403 for missing/invalid, 410 for expired. */
export function checkToken(
  request: { path: string; md5: string | null; expires: string | null; ip?: string },
  secret: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): TokenCheck {
  if (!request.md5 || !request.expires) return "missing";
  if (!/^\d{1,12}$/.test(request.expires)) return "invalid";
  const expires = Number(request.expires);
  const expected = gcoreMd5({ path: directoryOf(request.path), expires, secret, ip: request.ip ?? "" });
  if (!constantTimeEqual(expected, request.md5)) return "invalid";
  return expires < nowSeconds ? "expired" : "ok";
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
