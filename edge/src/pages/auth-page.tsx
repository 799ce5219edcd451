import type { AssetManifest } from "../../../shared/web/asset-manifest.ts";
import { authFormIds } from "../../../shared/web/pages/auth-form-contract.ts";
import { Layout } from "./layout.tsx";

/**
 * `/login` and `/signup`: plain forms the page script submits to the cookie-session API
 * (`/api/v1/auth/web/*`); on success it returns to `?next=` (same-site paths only).
 */
export function AuthPage({ assets, kind }: { assets: AssetManifest; kind: "login" | "signup" }) {
  const signup = kind === "signup";
  return (
    <Layout title={signup ? "Sign up" : "Log in"} page={kind} assets={assets}>
      <form class="form-card" id={authFormIds.form} method="post" novalidate>
        <h1>{signup ? "Create your account" : "Log in"}</h1>
        {signup ? (
          <label class="field">
            <span>Display name</span>
            <input type="text" name="displayName" required maxlength={80} autocomplete="nickname" />
          </label>
        ) : null}
        <label class="field">
          <span>Email</span>
          <input type="email" name="email" required maxlength={254} autocomplete="email" />
        </label>
        <label class="field">
          <span>Password</span>
          <input
            type="password"
            name="password"
            required
            minlength={signup ? 10 : 1}
            maxlength={200}
            autocomplete={signup ? "new-password" : "current-password"}
          />
          {signup ? <small class="muted">At least 10 characters.</small> : null}
        </label>
        <p class="form-error" id={authFormIds.error} role="alert" />
        <button class="primary" type="submit">
          {signup ? "Sign up" : "Log in"}
        </button>
        <p class="muted">
          {signup ? (
            <>
              Already have an account? <a href="/login">Log in</a>
            </>
          ) : (
            <>
              New here? <a href="/signup">Create an account</a> ·{" "}
              <a href="/reset-password">Forgot your password?</a>
            </>
          )}
        </p>
      </form>
    </Layout>
  );
}
