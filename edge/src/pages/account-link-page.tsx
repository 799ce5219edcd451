import type { AssetManifest } from "../../../shared/web/asset-manifest.ts";
import { resetPasswordIds, verifyEmailIds } from "../../../shared/web/pages/account-link-contract.ts";
import { Layout } from "./layout.tsx";

/**
 * `/verify-email?token=…`: the page script posts the token at once and says how it went; a
 * missing, expired or used link offers a new one (signed in: the API mails the account's
 * own address). Pages are the same for everyone: the token is read by the script, never
 * rendered.
 */
export function VerifyEmailPage({ assets }: { assets: AssetManifest }) {
  return (
    <Layout title="Verify your email" page="verify-email" assets={assets}>
      <section class="form-card">
        <h1>Verify your email</h1>
        <p id={verifyEmailIds.status} role="status">
          Checking your link…
        </p>
        <p class="form-error" id={verifyEmailIds.error} role="alert" />
        <div id={verifyEmailIds.resend} hidden>
          <button class="primary" type="button">
            Send me a new link
          </button>
          <p class="muted">We mail it to the address of the account you are logged in with.</p>
        </div>
      </section>
    </Layout>
  );
}

/**
 * `/reset-password?token=…`: a new password for the account the link was mailed to (every
 * session is signed out); without a token, or with a spent one, a form to mail a new link.
 */
export function ResetPasswordPage({ assets }: { assets: AssetManifest }) {
  return (
    <Layout title="Reset your password" page="reset-password" assets={assets}>
      <section class="form-card">
        <h1>Reset your password</h1>
        <p id={resetPasswordIds.status} role="status" />
        <p class="form-error" id={resetPasswordIds.error} role="alert" />
        <form id={resetPasswordIds.resetForm} method="post" novalidate hidden>
          <label class="field">
            <span>New password</span>
            <input
              type="password"
              name="password"
              required
              minlength={10}
              maxlength={200}
              autocomplete="new-password"
            />
            <small class="muted">At least 10 characters. Every session is signed out.</small>
          </label>
          <button class="primary" type="submit">
            Set the new password
          </button>
        </form>
        <form id={resetPasswordIds.requestForm} method="post" novalidate hidden>
          <label class="field">
            <span>Email</span>
            <input type="email" name="email" required maxlength={254} autocomplete="email" />
          </label>
          <button class="primary" type="submit">
            Mail me a reset link
          </button>
        </form>
      </section>
    </Layout>
  );
}
