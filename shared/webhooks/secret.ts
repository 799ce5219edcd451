/**
 * Webhook signing secrets as Standard Webhooks writes them: `whsec_` and the base64 of 32
 * random bytes. The key that signs is the decoded bytes, not the text (see
 * farm/src/webhooks/webhook-signature.ts). Web Crypto only, so the edge can make them.
 */
export const SECRET_PREFIX = "whsec_";

export function newWebhookSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `${SECRET_PREFIX}${btoa(binary)}`;
}
