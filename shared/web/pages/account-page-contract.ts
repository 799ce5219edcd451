/**
 * `/account` (edge/src/pages/account-page.tsx), run by edge/web/pages/account.ts: one form
 * per change, each with its own status line, the session list, and deletion behind the
 * page's confirm dialog (confirm-dialog-contract.ts).
 */
import { defineIds } from "./element-ids.ts";

export const accountIds = defineIds({
  /** Shown while the page loads the account, then the address and whether it is verified. */
  summary: "account-summary",
  profileForm: "account-profile-form",
  profileStatus: "account-profile-status",
  emailForm: "account-email-form",
  emailStatus: "account-email-status",
  passwordForm: "account-password-form",
  passwordStatus: "account-password-status",
  sessionsTitle: "account-sessions-title",
  sessions: "account-sessions",
  signOutOthers: "account-sign-out-others",
  sessionsStatus: "account-sessions-status",
  deleteForm: "account-delete-form",
  deleteStatus: "account-delete-status",
});
