/**
 * `/reset-password?token=…`: a new password with the mailed token (every session is signed
 * out); without a token, or with a spent one, a form that mails a new link.
 */
import { resetPasswordIds } from "../../../shared/web/pages/account-link-contract.ts";
import "../lib/account.ts";
import { ApiFailure, api } from "../lib/api.ts";
import { byId } from "../lib/dom.ts";
import { takeMailedToken } from "../lib/mailed-token.ts";
import { signOut } from "../lib/session.ts";

const status = byId(resetPasswordIds.status);
const error = byId(resetPasswordIds.error);
const resetForm = byId<HTMLFormElement>(resetPasswordIds.resetForm);
const requestForm = byId<HTMLFormElement>(resetPasswordIds.requestForm);
const token = takeMailedToken();

function showRequest(message: string): void {
  status.textContent = message;
  resetForm.hidden = true;
  requestForm.hidden = false;
}

function field(form: HTMLFormElement, name: string): string {
  return String(new FormData(form).get(name) ?? "");
}

if (token) {
  status.textContent = "Choose a new password for your account.";
  resetForm.hidden = false;
} else {
  showRequest("Enter the address of your account and we will mail you a link to choose a new password.");
}

resetForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.textContent = "";
  const password = field(resetForm, "password");
  if (password.length < 10) {
    error.textContent = "The password needs at least 10 characters.";
    return;
  }
  const button = resetForm.querySelector("button") as HTMLButtonElement;
  button.disabled = true;
  try {
    await api("/api/v1/auth/password-reset/confirm", { json: { token, password } });
    await signOut();
    resetForm.hidden = true;
    status.textContent = "Your password is changed and every session was signed out. ";
    status.dataset.state = "reset";
    const login = document.createElement("a");
    login.href = "/login";
    login.textContent = "Log in with the new password";
    status.append(login);
  } catch (err) {
    const code = err instanceof ApiFailure ? err.code : "";
    if (code === "reset_token_expired")
      showRequest("This link has expired (links work for one hour). Ask for a new one:");
    else if (code === "reset_token_invalid")
      showRequest("This link is not valid or was already used. Ask for a new one:");
    else error.textContent = err instanceof ApiFailure ? err.message : "Movio cannot be reached. Try again.";
  } finally {
    button.disabled = false;
  }
});

requestForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.textContent = "";
  const button = requestForm.querySelector("button") as HTMLButtonElement;
  button.disabled = true;
  try {
    await api("/api/v1/auth/password-reset", { json: { email: field(requestForm, "email") } });
    requestForm.hidden = true;
    status.textContent = "If an account uses that address, we mailed it a link. It works for one hour.";
  } catch (err) {
    const code = err instanceof ApiFailure ? err.code : "";
    error.textContent =
      code === "rate_limited"
        ? "Too many requests. Wait a minute and try again."
        : code === "validation_failed"
          ? "Enter a valid email address."
          : "The link could not be sent. Try again later.";
  } finally {
    button.disabled = false;
  }
});
