/**
 * Tokens in links mailed to an account (verify the address, reset the password, confirm a new
 * address): 256 random bits in the link, only their SHA-256 in `email_tokens`, so a database
 * leak opens nothing.
 */
import { hashRefreshToken, newRefreshToken } from "./refresh-tokens.ts";

export type EmailTokenPurpose = "verify_email" | "password_reset" | "change_email";

/** How long a link works: a day to verify an address (new or changed), an hour to reset a password. */
export const EMAIL_TOKEN_TTL_S: Record<EmailTokenPurpose, number> = {
  verify_email: 24 * 3600,
  password_reset: 3600,
  change_email: 24 * 3600,
};

/** The page each link opens: a changed address is verified by the same page as a new one. */
const PAGE: Record<EmailTokenPurpose, string> = {
  verify_email: "/verify-email",
  password_reset: "/reset-password",
  change_email: "/verify-email",
};

export interface EmailToken {
  token: string;
  hash: string;
  expiresAt: Date;
  link: string;
}

export async function newEmailToken(purpose: EmailTokenPurpose, publicBaseUrl: string): Promise<EmailToken> {
  const token = newRefreshToken();
  const base = publicBaseUrl.replace(/\/+$/, "");
  return {
    token,
    hash: await hashEmailToken(token),
    expiresAt: new Date(Date.now() + EMAIL_TOKEN_TTL_S[purpose] * 1000),
    link: `${base}${PAGE[purpose]}?token=${encodeURIComponent(token)}`,
  };
}

export const hashEmailToken = hashRefreshToken;
