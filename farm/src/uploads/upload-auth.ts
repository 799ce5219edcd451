/**
 * Upload tokens on tus requests: `Authorization: Bearer <JWT the edge issued for one video>`,
 * verified against the edge's public keys. Verified once per request (tus calls several
 * hooks for one request), and the upload id in the URL must be the token's video.
 */
import { createRemoteJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import { type UploadClaims, verifyUploadToken } from "../../../shared/auth/jwt.ts";
import type { FarmConfig } from "../../../shared/config/farm-config.ts";
import { ApiError } from "../../../shared/errors/api-error.ts";

export type KeySource = JSONWebKeySet | JWTVerifyGetKey;

export function uploadKeySource(config: FarmConfig): KeySource {
  if (config.JWT_PUBLIC_JWKS) return JSON.parse(config.JWT_PUBLIC_JWKS) as JSONWebKeySet;
  return createRemoteJWKSet(new URL(config.EDGE_JWKS_URL), {
    cacheMaxAge: 10 * 60_000,
    timeoutDuration: 5000,
  });
}

export class UploadAuth {
  private readonly verified = new WeakMap<object, Promise<UploadClaims>>();

  constructor(private readonly keys: KeySource) {}

  claims(req: { headers: Headers }): Promise<UploadClaims> {
    let pending = this.verified.get(req);
    if (!pending) {
      pending = this.verify(req.headers.get("authorization"));
      this.verified.set(req, pending);
    }
    return pending;
  }

  /** The token must be for the upload being touched. */
  async authorize(req: { headers: Headers }, uploadId: string): Promise<UploadClaims> {
    const claims = await this.claims(req);
    if (claims.videoId !== uploadId)
      throw new ApiError("forbidden", "this upload token is for another video");
    return claims;
  }

  private async verify(header: string | null): Promise<UploadClaims> {
    const token = /^Bearer (\S+)$/.exec(header ?? "")?.[1];
    if (!token) throw new ApiError("unauthorized", "send `Authorization: Bearer <upload token>`");
    return verifyUploadToken(token, this.keys);
  }
}
