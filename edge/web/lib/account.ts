/**
 * The header's account area on every page: shows the signed-in links or the log-in ones,
 * and logs out; and the banner with "send again" while the account must verify its address
 * (SIGNUP_REQUIRES_VERIFIED_EMAIL, `user.emailVerificationRequired`). Every page script
 * imports this module first.
 */
import { layoutIds } from "../../../shared/web/pages/layout-contract.ts";
import { ApiFailure, api } from "./api.ts";
import { byId } from "./dom.ts";
import { onSessionChange, restoreSession, signOut, type User } from "./session.ts";

function render(user: User | null): void {
  for (const element of document.querySelectorAll<HTMLElement>("[data-signed-in]")) element.hidden = !user;
  for (const element of document.querySelectorAll<HTMLElement>("[data-signed-out]")) element.hidden = !!user;
  // The jobs console link, for admins (the console itself asks the admin API).
  for (const element of document.querySelectorAll<HTMLElement>("[data-admin]"))
    element.hidden = user?.role !== "admin";
  byId(layoutIds.accountName).textContent = user ? user.displayName : "";
  byId(layoutIds.verifyBanner).hidden = !user?.emailVerificationRequired;
}

byId(layoutIds.verifyResend).addEventListener("click", async () => {
  const button = byId<HTMLButtonElement>(layoutIds.verifyResend);
  const status = byId(layoutIds.verifyStatus);
  button.disabled = true;
  try {
    await api("/api/v1/auth/verify-email/resend", { method: "POST" });
    status.textContent = "We sent you a new link. Check your mail.";
  } catch (err) {
    const code = err instanceof ApiFailure ? err.code : "";
    status.textContent =
      code === "email_already_verified"
        ? "Your address is already verified: reload the page."
        : code === "rate_limited"
          ? "You asked for several links just now. Wait a minute and try again."
          : "The link could not be sent. Try again later.";
  } finally {
    button.disabled = false;
  }
});

onSessionChange(render);
byId(layoutIds.logout).addEventListener("click", async () => {
  await signOut();
  location.assign("/");
});
void restoreSession();
