/**
 * Standard Webhooks signatures: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`,
 * keyed with the bytes the `whsec_` secret encodes. Several secrets (during a rotation)
 * give several signatures separated by spaces; receivers accept any that verifies.
 */
import { createHmac } from "node:crypto";
import { SECRET_PREFIX } from "../../../shared/webhooks/secret.ts";

export function signatureHeader(
  secrets: string[],
  messageId: string,
  timestamp: number,
  body: string,
): string {
  return secrets
    .map((secret) => {
      const key = Buffer.from(
        secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret,
        "base64",
      );
      const mac = createHmac("sha256", key).update(`${messageId}.${timestamp}.${body}`).digest("base64");
      return `v1,${mac}`;
    })
    .join(" ");
}
