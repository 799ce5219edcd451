import { z } from "@hono/zod-openapi";
import { storableText } from "./common.ts";

export const Email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email({ message: "must be an email address" }))
  .openapi({ example: "ada@example.com" });

export const SignupBody = z
  .strictObject({
    email: Email,
    password: storableText(z.string().min(10, "must be at least 10 characters").max(200)),
    displayName: storableText(z.string().trim().min(1).max(80)),
  })
  .openapi("SignupRequest");

export const LoginBody = z
  .strictObject({ email: Email, password: z.string().min(1).max(200) })
  .openapi("LoginRequest");

/** A token from a mailed link (`?token=` of /verify-email or /reset-password). */
const MailedToken = z.string().min(1).max(200);

export const VerifyEmailBody = z.strictObject({ token: MailedToken }).openapi("VerifyEmailRequest");

export const PasswordResetBody = z.strictObject({ email: Email }).openapi("PasswordResetRequest");

export const PasswordResetConfirmBody = z
  .strictObject({
    token: MailedToken,
    password: storableText(z.string().min(10, "must be at least 10 characters").max(200)),
  })
  .openapi("PasswordResetConfirmRequest");

export const RefreshBody = z
  .strictObject({ refreshToken: z.string().min(1).max(200) })
  .openapi("RefreshRequest");

export const UserSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    displayName: z.string(),
    role: z.enum(["viewer", "admin"]),
    /** Whether the owner opened a verification (or password reset) link mailed to `email`. */
    emailVerified: z.boolean(),
    /**
     * This deployment requires a verified address (SIGNUP_REQUIRES_VERIFIED_EMAIL) and this
     * account has none yet: it may watch, but not upload or add webhooks.
     */
    emailVerificationRequired: z.boolean(),
    /** Opt-in: a mail when one of the user's videos is ready or has failed. */
    videoMail: z.boolean(),
    /**
     * Automatic captions from speech for this user's videos (on by default; each video can
     * opt out too). Only acts where the farm has captions on (`GET /api/v1/capabilities`).
     */
    autoCaptions: z.boolean(),
    createdAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("User");

export const SessionSchema = z
  .object({
    user: UserSchema,
    accessToken: z.string(),
    accessTokenExpiresAt: z.string().openapi({ format: "date-time" }),
    refreshToken: z.string(),
    refreshTokenExpiresAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Session");

/**
 * The web app's session (`/api/v1/auth/web/*`): the same as Session without the refresh
 * token, which travels only in an HttpOnly cookie the page's scripts cannot read.
 */
export const WebSessionSchema = SessionSchema.omit({ refreshToken: true }).openapi("WebSession");

/** The header every cookie-session request carries: a form or a cross-site page cannot send it. */
export const WEB_SESSION_HEADER = "x-movio-session";
