/**
 * `/account`: fills in the signed-in account and runs its forms against the account API
 * (`/api/v1/me…`). Each form says how it went in its own status line; deleting the account
 * asks in the confirm dialog first, then signs this browser out and goes home.
 */
import type { z } from "@hono/zod-openapi";
import type { AccountSessionListSchema } from "../../../shared/api/account.ts";
import type { UserSchema } from "../../../shared/api/auth.ts";
import { age } from "../../../shared/web/format.ts";
import { accountIds } from "../../../shared/web/pages/account-page-contract.ts";
import type { ElementId } from "../../../shared/web/pages/element-ids.ts";
import "../lib/account.ts";
import { ApiFailure, api, explain } from "../lib/api.ts";
import { confirmAction } from "../lib/confirm.ts";
import { byId, h } from "../lib/dom.ts";
import { refreshSession, requireUser, signOut } from "../lib/session.ts";

type User = z.output<typeof UserSchema>;
type Sessions = z.output<typeof AccountSessionListSchema>;
type StatusId = ElementId;

const summary = byId(accountIds.summary);
const profileForm = byId<HTMLFormElement>(accountIds.profileForm);
const emailForm = byId<HTMLFormElement>(accountIds.emailForm);
const passwordForm = byId<HTMLFormElement>(accountIds.passwordForm);
const deleteForm = byId<HTMLFormElement>(accountIds.deleteForm);

function say(id: StatusId, text: string, state: "ok" | "error" = "ok"): void {
  const line = byId(id);
  line.textContent = text;
  line.dataset.state = state;
}

function field(form: HTMLFormElement, name: string): HTMLInputElement {
  return form.elements.namedItem(name) as HTMLInputElement;
}

/** Words for the codes a person can act on; anything else in the API's own words. */
function reason(err: unknown): string {
  if (!(err instanceof ApiFailure)) return explain(err);
  switch (err.code) {
    case "password_incorrect":
      return "That is not your current password.";
    case "email_taken":
      return "Another account already uses this address.";
    case "email_unchanged":
      return "This is already your address.";
    case "rate_limited":
      return "Too many attempts just now. Wait a minute and try again.";
    default:
      return err.message;
  }
}

/** Runs a form's submit with its button disabled, reporting failures in its status line. */
function onSubmit(form: HTMLFormElement, status: StatusId, work: () => Promise<void>): void {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector<HTMLButtonElement>("button[type=submit]");
    if (button) button.disabled = true;
    say(status, "");
    try {
      await work();
    } catch (err) {
      say(status, reason(err), "error");
    } finally {
      if (button) button.disabled = false;
    }
  });
}

function showUser(user: User): void {
  summary.textContent = `${user.email} · ${user.emailVerified ? "verified" : "not verified yet"}`;
  field(profileForm, "displayName").value = user.displayName;
  field(profileForm, "videoMail").checked = user.videoMail;
  field(profileForm, "autoCaptions").checked = user.autoCaptions;
}

async function loadSessions(): Promise<void> {
  const { sessions } = await api<Sessions>("/api/v1/me/sessions");
  const list = byId(accountIds.sessions);
  list.replaceChildren(
    ...sessions.map((session) =>
      h(
        "li",
        { "data-current": session.current },
        session.current ? "This browser" : "Another session",
        h(
          "span",
          { class: "muted" },
          ` · signed in ${age(session.signedInAt)}, active ${age(session.lastActiveAt)}`,
        ),
      ),
    ),
  );
  byId<HTMLButtonElement>(accountIds.signOutOthers).disabled = sessions.length < 2;
}

onSubmit(profileForm, accountIds.profileStatus, async () => {
  const user = await api<User>("/api/v1/me", {
    method: "PATCH",
    json: {
      displayName: field(profileForm, "displayName").value,
      videoMail: field(profileForm, "videoMail").checked,
      autoCaptions: field(profileForm, "autoCaptions").checked,
    },
  });
  showUser(user);
  await refreshSession(); // the header shows the new name
  say(accountIds.profileStatus, "Saved.");
});

onSubmit(emailForm, accountIds.emailStatus, async () => {
  const newEmail = field(emailForm, "newEmail").value.trim();
  await api("/api/v1/me/email", { json: { newEmail, password: field(emailForm, "password").value } });
  emailForm.reset();
  say(accountIds.emailStatus, `We sent a link to ${newEmail}. Open it to make it your address.`);
});

onSubmit(passwordForm, accountIds.passwordStatus, async () => {
  await api("/api/v1/me/password", {
    json: {
      currentPassword: field(passwordForm, "currentPassword").value,
      newPassword: field(passwordForm, "newPassword").value,
    },
  });
  passwordForm.reset();
  say(accountIds.passwordStatus, "Password changed. Your other sessions are signed out.");
  await loadSessions();
});

byId(accountIds.signOutOthers).addEventListener("click", async () => {
  try {
    const { signedOut } = await api<{ signedOut: number }>("/api/v1/me/sessions/sign-out-others", {
      method: "POST",
    });
    say(accountIds.sessionsStatus, `Signed out ${signedOut} other session${signedOut === 1 ? "" : "s"}.`);
    await loadSessions();
  } catch (err) {
    say(accountIds.sessionsStatus, reason(err), "error");
  }
});

onSubmit(deleteForm, accountIds.deleteStatus, async () => {
  const sure = await confirmAction({
    title: "Delete your account?",
    text: "Your videos, subtitles and webhooks are deleted for good. This cannot be undone.",
    confirm: "Delete my account",
  });
  if (!sure) return;
  await api("/api/v1/me", { method: "DELETE", json: { password: field(deleteForm, "password").value } });
  await signOut();
  location.assign("/");
});

async function start(): Promise<void> {
  await requireUser();
  try {
    showUser(await api<User>("/api/v1/me"));
    await loadSessions();
  } catch (err) {
    summary.textContent = reason(err);
  }
}

void start();
