/**
 * Public key sets given as configuration (`JWT_PREVIOUS_PUBLIC_JWKS`): a JSON array of JWKs,
 * or a JWKS object `{keys:[…]}` as /.well-known/jwks.json serves it. Entries carrying private
 * members are refused: whatever is accepted here is published at /.well-known/jwks.json, so a
 * pasted private key would be handed to everyone.
 */
import type { JWK } from "jose";
import { z } from "zod";

/** Members that only private (or symmetric) JWKs have (RFC 7517/7518). */
export const PRIVATE_JWK_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] as const;

export function privateMembersOf(jwk: Record<string, unknown>): string[] {
  return PRIVATE_JWK_MEMBERS.filter((member) => member in jwk);
}

/** Parses the JSON text into public JWKs; every problem is a zod issue (config errors name them). */
export const publicJwksJson = z.string().transform((text, ctx): JWK[] => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    ctx.addIssue({ code: "custom", message: "is not JSON: give a JSON array of public JWKs" });
    return z.NEVER;
  }
  const keys = Array.isArray(parsed) ? parsed : (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) {
    ctx.addIssue({ code: "custom", message: "must be a JSON array of public JWKs (or {keys:[…]})" });
    return z.NEVER;
  }
  keys.forEach((key, index) => {
    if (typeof key !== "object" || key === null || typeof (key as JWK).kty !== "string") {
      ctx.addIssue({ code: "custom", message: `entry ${index} is not a JWK (no kty)` });
      return;
    }
    const found = privateMembersOf(key as Record<string, unknown>);
    if (found.length > 0) {
      ctx.addIssue({
        code: "custom",
        message: `entry ${index} holds private key material (${found.join(", ")}): give the public key only, as /.well-known/jwks.json shows it`,
      });
    }
  });
  return keys as JWK[];
});
