/** `/verify-email?token=…`: posts the token, says how it went, offers a new link when spent. */
import { verifyEmailIds } from "../../../shared/web/pages/account-link-contract.ts";
import "../lib/account.ts";
import { ApiFailure, api } from "../lib/api.ts";
import { byId } from "../lib/dom.ts";
import { takeMailedToken } from "../lib/mailed-token.ts";
import { requireUser } from "../lib/session.ts";

const status = byId(verifyEmailIds.status);
const error = byId(verifyEmailIds.error);
const resend = byId(verifyEmailIds.resend);
const button = resend.querySelector("button") as HTMLButtonElement;

function offerNewLink(message: string): void {
  status.textContent = message;
  resend.hidden = false;
}

async function verify(token: string | null): Promise<void> {
  if (!token) return offerNewLink("This page needs the link from the mail we sent you.");
  try {
    await api("/api/v1/auth/verify-email", { json: { token } });
    status.textContent = "Your email address is verified. Thank you!";
    status.dataset.state = "verified";
  } catch (err) {
    if (!(err instanceof ApiFailure))
      return offerNewLink("Movio cannot be reached. Try the link again later.");
    if (err.code === "verification_token_expired")
      return offerNewLink("This link has expired (links work for 24 hours).");
    if (err.code === "verification_token_invalid") {
      return offerNewLink(
        "This link is not valid or was already used. If you opened it before, your address is already verified.",
      );
    }
    if (err.code === "rate_limited")
      return offerNewLink("Too many attempts. Wait a minute and reload this page.");
    offerNewLink(err.message);
  }
}

button.addEventListener("click", async () => {
  await requireUser();
  error.textContent = "";
  button.disabled = true;
  try {
    await api("/api/v1/auth/verify-email/resend", { method: "POST" });
    status.textContent = "We sent you a new link. Check your mail.";
    resend.hidden = true;
  } catch (err) {
    const code = err instanceof ApiFailure ? err.code : "";
    error.textContent =
      code === "email_already_verified"
        ? "Your address is already verified."
        : code === "rate_limited"
          ? "You asked for several links just now. Wait a minute and try again."
          : "The link could not be sent. Try again later.";
  } finally {
    button.disabled = false;
  }
});

void verify(takeMailedToken());
