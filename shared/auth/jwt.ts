/**
 * JWTs the edge issues and both sides verify: EdDSA (Ed25519) keys with a `kid`, public
 * keys published at /.well-known/jwks.json. Audiences keep an access token from being used
 * as an upload token and vice versa. Runtime-neutral (jose only): Workers and Node alike.
 */
import {
  type CryptoKey,
  createLocalJWKSet,
  errors,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
  SignJWT,
} from "jose";
import { ApiError } from "../errors/api-error.ts";

export const JWT_ISSUER = "movio-edge";
export const ACCESS_AUDIENCE = "movio-api";
export const UPLOAD_AUDIENCE = "movio-upload";
export const JWT_ALGORITHM = "EdDSA";

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/** Parses the private JWK secret (an Ed25519 OKP key with `kid`) into a signing key. */
export async function importSigningKey(privateJwkJson: string): Promise<SigningKey> {
  let jwk: JWK;
  try {
    jwk = JSON.parse(privateJwkJson) as JWK;
  } catch {
    throw new Error("JWT_PRIVATE_JWK is not JSON");
  }
  if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || !jwk.d || !jwk.kid) {
    throw new Error("JWT_PRIVATE_JWK must be an Ed25519 private JWK with a kid");
  }
  const privateKey = (await importJWK({ ...jwk, alg: JWT_ALGORITHM }, JWT_ALGORITHM)) as CryptoKey;
  const { d: _private, ...publicJwk } = jwk;
  return { kid: jwk.kid, privateKey, publicJwk: { ...publicJwk, alg: JWT_ALGORITHM, use: "sig" } };
}

/** A fresh Ed25519 key pair as a private JWK (used by `npm start` and the tests). */
export async function generatePrivateJwk(kid: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair(JWT_ALGORITHM, { crv: "Ed25519", extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: JWT_ALGORITHM };
}

/**
 * Signs a token. `issuedAt` (seconds) pins the time: Ed25519 signatures are deterministic, so
 * the same claims and time always give the same token (a repeated refresh relies on it).
 */
export async function signJwt(
  key: SigningKey,
  audience: string,
  subject: string,
  claims: JWTPayload,
  ttlSeconds: number,
  issuedAt: number = Math.floor(Date.now() / 1000),
): Promise<{ token: string; expiresAt: Date }> {
  const now = issuedAt;
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: JWT_ALGORITHM, kid: key.kid, typ: "JWT" })
    .setIssuer(JWT_ISSUER)
    .setAudience(audience)
    .setSubject(subject)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .sign(key.privateKey);
  return { token, expiresAt: new Date((now + ttlSeconds) * 1000) };
}

/**
 * Verifies signature, issuer, audience and expiry against a key set. Only EdDSA is
 * accepted, so `alg: none` and algorithm-confusion tokens fail. Maps every failure to a
 * stable error code: `token_expired` or `token_invalid`.
 */
export async function verifyJwt(
  token: string,
  keys: JSONWebKeySet | JWTVerifyGetKey,
  audience: string,
): Promise<JWTPayload> {
  const getKey = typeof keys === "function" ? keys : createLocalJWKSet(keys);
  try {
    const { payload } = await jwtVerify(token, getKey, {
      issuer: JWT_ISSUER,
      audience,
      algorithms: [JWT_ALGORITHM],
    });
    if (!payload.sub) throw new ApiError("token_invalid", "token has no subject");
    return payload;
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if (err instanceof errors.JWTExpired) throw new ApiError("token_expired", "token has expired");
    // Not the token's fault: the key set could not be fetched.
    if (err instanceof errors.JWKSTimeout || !(err instanceof errors.JOSEError)) {
      throw new ApiError("service_unavailable", "cannot verify tokens right now: key set unavailable", {
        cause: err,
      });
    }
    throw new ApiError("token_invalid", "token is not valid");
  }
}

/** Claims of the upload token the farm verifies before accepting a single byte. */
export interface UploadClaims {
  videoId: string;
  ownerId: string;
  maxBytes: number;
}

export async function verifyUploadToken(
  token: string,
  keys: JSONWebKeySet | JWTVerifyGetKey,
): Promise<UploadClaims> {
  const payload = await verifyJwt(token, keys, UPLOAD_AUDIENCE);
  const { vid, max } = payload as { vid?: unknown; max?: unknown };
  if (typeof vid !== "string" || typeof max !== "number" || !Number.isSafeInteger(max) || max <= 0) {
    throw new ApiError("token_invalid", "upload token is missing its video or size");
  }
  return { videoId: vid, ownerId: payload.sub as string, maxBytes: max };
}
