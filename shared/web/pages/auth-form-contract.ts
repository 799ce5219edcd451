/**
 * The log-in and sign-up form (edge/src/pages/auth-page.tsx), which
 * edge/web/lib/auth-form.ts submits (scripts edge/web/pages/login.ts and signup.ts).
 */
import { defineIds } from "./element-ids.ts";

export const authFormIds = defineIds({
  form: "auth-form",
  error: "form-error",
});
