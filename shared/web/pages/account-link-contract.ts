/**
 * The pages mailed links open (edge/src/pages/account-link-page.tsx): `/verify-email` and
 * `/reset-password`, run by edge/web/pages/verify-email.ts and reset-password.ts.
 */
import { defineIds } from "./element-ids.ts";

export const verifyEmailIds = defineIds({
  status: "verify-status",
  /** "Send a new link": shown when the link is missing, expired or used. */
  resend: "verify-resend",
  error: "verify-error",
});

export const resetPasswordIds = defineIds({
  status: "reset-status",
  /** The new password, shown when the page has a token. */
  resetForm: "reset-form",
  /** "Mail me a link": shown without a token, or when the token is expired or used. */
  requestForm: "reset-request-form",
  error: "reset-error",
});
