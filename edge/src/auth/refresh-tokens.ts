/** Opaque refresh tokens: 256 random bits; only their SHA-256 is ever stored. */
export function newRefreshToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return base64url(bytes);
}

/**
 * The token that replaces `presented` when it is rotated: an HMAC of it under a server
 * secret, so it is as unguessable as a random one, yet a second refresh of the same token
 * (two tabs at once) can recompute it and hand out the same successor instead of treating
 * the race as theft.
 */
export async function successorRefreshToken(presented: string, key: CryptoKey): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(presented));
  return base64url(new Uint8Array(mac));
}

export async function hashRefreshToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
