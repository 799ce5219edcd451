import type { AssetManifest } from "../../../shared/web/asset-manifest.ts";
import { accountIds } from "../../../shared/web/pages/account-page-contract.ts";
import { ConfirmDialog } from "./confirm-dialog.tsx";
import { Layout } from "./layout.tsx";

/**
 * `/account`: the signed-in user's own account — name and mail setting, address, password,
 * sessions, deletion. The same page for everyone (the script fills in the account and sends
 * a signed-out visitor to log in); every form posts to the account API with the access token.
 */
export function AccountPage({ assets }: { assets: AssetManifest }) {
  return (
    <Layout title="Your account" page="account" assets={assets}>
      <div class="account-page">
        <h1>Your account</h1>
        <p id={accountIds.summary} class="muted" role="status">
          Loading your account…
        </p>

        <form class="form-card" id={accountIds.profileForm} method="post" novalidate>
          <h2>Profile</h2>
          <label class="field">
            <span>Display name</span>
            <input type="text" name="displayName" required maxlength={80} autocomplete="nickname" />
          </label>
          <label class="check">
            <input type="checkbox" name="videoMail" /> Mail me when one of my videos is ready or has failed
          </label>
          <label class="check">
            <input type="checkbox" name="autoCaptions" /> Generate captions from speech for my videos without
            subtitles
          </label>
          <p class="status-line" id={accountIds.profileStatus} role="status" />
          <button class="primary" type="submit">
            Save
          </button>
        </form>

        <form class="form-card" id={accountIds.emailForm} method="post" novalidate>
          <h2>Email address</h2>
          <label class="field">
            <span>New email address</span>
            <input type="email" name="newEmail" required maxlength={254} autocomplete="email" />
          </label>
          <label class="field">
            <span>Current password</span>
            <input type="password" name="password" required maxlength={200} autocomplete="current-password" />
          </label>
          <p class="muted">
            We mail a link to the new address; your account keeps its current address until you open it.
          </p>
          <p class="status-line" id={accountIds.emailStatus} role="status" />
          <button class="primary" type="submit">
            Change address
          </button>
        </form>

        <form class="form-card" id={accountIds.passwordForm} method="post" novalidate>
          <h2>Password</h2>
          <label class="field">
            <span>Current password</span>
            <input
              type="password"
              name="currentPassword"
              required
              maxlength={200}
              autocomplete="current-password"
            />
          </label>
          <label class="field">
            <span>New password</span>
            <input
              type="password"
              name="newPassword"
              required
              minlength={10}
              maxlength={200}
              autocomplete="new-password"
            />
            <small class="muted">At least 10 characters. Your other sessions are signed out.</small>
          </label>
          <p class="status-line" id={accountIds.passwordStatus} role="status" />
          <button class="primary" type="submit">
            Change password
          </button>
        </form>

        <section class="form-card" aria-labelledby={accountIds.sessionsTitle}>
          <h2 id={accountIds.sessionsTitle}>Sessions</h2>
          <ul class="session-list" id={accountIds.sessions} />
          <p class="status-line" id={accountIds.sessionsStatus} role="status" />
          <button type="button" id={accountIds.signOutOthers}>
            Sign out the other sessions
          </button>
        </section>

        <form class="form-card danger-zone" id={accountIds.deleteForm} method="post" novalidate>
          <h2>Delete account</h2>
          <p>
            Your videos, their subtitles and your webhooks are deleted for good, and every session is signed
            out.
          </p>
          <label class="field">
            <span>Password to confirm</span>
            <input type="password" name="password" required maxlength={200} autocomplete="current-password" />
          </label>
          <p class="form-error" id={accountIds.deleteStatus} role="alert" />
          <button class="danger" type="submit">
            Delete my account
          </button>
        </form>
      </div>
      <ConfirmDialog />
    </Layout>
  );
}
