/** The log-in and sign-up forms: submit through the cookie session, then go to `?next=`. */
import { authFormIds } from "../../../shared/web/pages/auth-form-contract.ts";
import "./account.ts";
import { byId, safeNext } from "./dom.ts";
import { signIn } from "./session.ts";

export function wireAuthForm(kind: "login" | "signup"): void {
  const form = byId<HTMLFormElement>(authFormIds.form);
  const error = byId(authFormIds.error);
  const next = safeNext(new URLSearchParams(location.search).get("next"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const fields = Object.fromEntries(
      [...new FormData(form).entries()].map(([name, value]) => [name, String(value)]),
    );
    const button = form.querySelector("button[type=submit]") as HTMLButtonElement;
    button.disabled = true;
    try {
      const result = await signIn(kind, fields);
      if ("code" in result) {
        error.textContent = messageFor(result.code, result.message);
        return;
      }
      location.assign(next);
    } catch {
      error.textContent = "Movio cannot be reached. Check your connection and try again.";
    } finally {
      button.disabled = false;
    }
  });
}

function messageFor(code: string, message: string): string {
  switch (code) {
    case "invalid_credentials":
      return "That email and password do not match an account.";
    case "email_taken":
      return "An account with that email already exists. Log in instead?";
    case "rate_limited":
      return "Too many attempts. Wait a minute and try again.";
    default:
      return message.charAt(0).toUpperCase() + message.slice(1);
  }
}
