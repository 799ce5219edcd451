/**
 * The edge's signing key and public key set, imported once per isolate from the secrets.
 */
import type { JSONWebKeySet } from "jose";
import { importSigningKey, type SigningKey } from "../../../shared/auth/jwt.ts";
import type { EdgeConfig } from "../../../shared/config/edge-config.ts";

export interface KeyRing {
  signing: SigningKey;
  jwks: JSONWebKeySet;
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
  return { signing, jwks: { keys: [signing.publicJwk, ...config.JWT_PREVIOUS_PUBLIC_JWKS] } };
}
