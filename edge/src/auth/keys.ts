/**
 * The edge's signing key and public key set, imported once per isolate from the secrets.
 */
import { base64url, type JSONWebKeySet } from "jose";
import { importSigningKey, type SigningKey } from "../../../shared/auth/jwt.ts";
import type { EdgeConfig } from "../../../shared/config/edge-config.ts";

export interface KeyRing {
  signing: SigningKey;
  jwks: JSONWebKeySet;
  /** HMAC key that derives a refresh token's successor (see refresh-tokens.ts). */
  refreshSuccessor: CryptoKey;
}

const cache = new Map<string, Promise<KeyRing>>();

export function getKeyRing(config: EdgeConfig): Promise<KeyRing> {
  const cacheKey = `${config.JWT_PRIVATE_JWK}\n${JSON.stringify(config.JWT_PREVIOUS_PUBLIC_JWKS)}`;
  let ring = cache.get(cacheKey);
  if (!ring) {
    ring = load(config);
    cache.set(cacheKey, ring);
    ring.catch(() => cache.delete(cacheKey));
  }
  return ring;
}

async function load(config: EdgeConfig): Promise<KeyRing> {
  const signing = await importSigningKey(config.JWT_PRIVATE_JWK);
  // Config refused any previous key with private members, so the set is safe to publish.
  const jwks = { keys: [signing.publicJwk, ...config.JWT_PREVIOUS_PUBLIC_JWKS] };
  return { signing, jwks, refreshSuccessor: await deriveRefreshKey(config.JWT_PRIVATE_JWK) };
}

/**
 * A server secret for refresh tokens without another variable to manage: HKDF over the
 * signing key's private part, with its own label so it is unrelated to any signature.
 */
async function deriveRefreshKey(privateJwkJson: string): Promise<CryptoKey> {
  const { d } = JSON.parse(privateJwkJson) as { d: string };
  const material = await crypto.subtle.importKey("raw", base64url.decode(d), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    {
      name: "HKDF",
      hash: "SHA-256",
      salt: new Uint8Array(0),
      info: new TextEncoder().encode("movio refresh-token successor v1"),
    },
    material,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign"],
  );
}
