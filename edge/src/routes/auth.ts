import { createRoute } from "@hono/zod-openapi";
import {
  LoginBody,
  PasswordResetBody,
  PasswordResetConfirmBody,
  RefreshBody,
  SessionSchema,
  SignupBody,
  UserSchema,
  VerifyEmailBody,
} from "../../../shared/api/auth.ts";
import { errorResponses } from "../../../shared/api/common.ts";
import { requireViewer } from "../http/authenticate.ts";
import { createRouter } from "../http/openapi-app.ts";
import { bearer, json, ok } from "../http/openapi-helpers.ts";
import {
  limitAuthAttempt,
  limitPasswordReset,
  limitVerificationMail,
  withLoginFailureLimit,
} from "../http/rate-limit.ts";

const session = (description: string) => ok(description, SessionSchema);

export const authRoutes = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/api/v1/auth/signup",
      tags: ["auth"],
      summary: "Create an account",
      request: { body: json(SignupBody) },
      responses: { 201: session("Account created, signed in"), ...errorResponses(400, 409, 413, 415, 429) },
    }),
    async (c) => {
      await limitAuthAttempt(c);
      const auth = await c.var.services.auth;
      return c.json(await auth.signup(c.req.valid("json")), 201);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/v1/auth/login",
      tags: ["auth"],
      summary: "Sign in with email and password",
      request: { body: json(LoginBody) },
      responses: { 200: session("Signed in"), ...errorResponses(400, 401, 429) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      await limitAuthAttempt(c);
      const auth = await c.var.services.auth;
      return c.json(await withLoginFailureLimit(c, body.email, () => auth.login(body)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/v1/auth/refresh",
      tags: ["auth"],
      summary: "Trade a refresh token for a new pair (rotation)",
      description: "Each refresh token works once. Presenting a used one revokes the whole session family.",
      request: { body: json(RefreshBody) },
      responses: { 200: session("New token pair"), ...errorResponses(400, 401) },
    }),
    async (c) => {
      const auth = await c.var.services.auth;
      return c.json(await auth.refresh(c.req.valid("json").refreshToken), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/v1/auth/logout",
      tags: ["auth"],
      summary: "Revoke the session the refresh token belongs to",
      request: { body: json(RefreshBody) },
      responses: { 204: { description: "Session revoked" }, ...errorResponses(400, 401) },
    }),
    async (c) => {
      const auth = await c.var.services.auth;
      await auth.logout(c.req.valid("json").refreshToken);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/v1/me",
      tags: ["auth"],
      summary: "The signed-in user",
      security: bearer,
      responses: {
        200: ok("The user", UserSchema),
        ...errorResponses(401),
      },
    }),
    async (c) => {
      const auth = await c.var.services.auth;
      return c.json(await auth.getUser(requireViewer(c).id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/v1/auth/verify-email",
      tags: ["auth"],
      summary: "Verify the account's email address with the token from the mailed link",
      description:
        "The link in the sign-up mail opens `/verify-email?token=…`, which posts the token here. Tokens work once, for 24 hours.",
      request: { body: json(VerifyEmailBody) },
      responses: { 204: { description: "Address verified" }, ...errorResponses(400, 413, 415, 429) },
    }),
    async (c) => {
      await limitAuthAttempt(c);
      await c.var.services.accountEmail.verify(c.req.valid("json").token);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/v1/auth/verify-email/resend",
      tags: ["auth"],
      summary: "Mail a new verification link to the signed-in account",
      security: bearer,
      responses: {
        202: { description: "Mail queued" },
        ...errorResponses(401, 409, 429),
      },
    }),
    async (c) => {
      const viewer = requireViewer(c);
      await limitVerificationMail(c, viewer.id);
      await c.var.services.accountEmail.resendVerification(viewer.id);
      return c.body(null, 202);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/v1/auth/password-reset",
      tags: ["auth"],
      summary: "Mail a password reset link, if the address has an account",
      description:
        "Always 202, whether or not the address has an account; the mailed link opens `/reset-password?token=…` and works once, for one hour.",
      request: { body: json(PasswordResetBody) },
      responses: { 202: { description: "Accepted" }, ...errorResponses(400, 413, 415, 429) },
    }),
    async (c) => {
      const { email } = c.req.valid("json");
      await limitPasswordReset(c, email);
      await c.var.services.accountEmail.requestPasswordReset(email);
      return c.body(null, 202);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/v1/auth/password-reset/confirm",
      tags: ["auth"],
      summary: "Set a new password with the token from the mailed link; signs out every session",
      request: { body: json(PasswordResetConfirmBody) },
      responses: {
        204: { description: "Password changed, sessions revoked" },
        ...errorResponses(400, 413, 415, 429),
      },
    }),
    async (c) => {
      await limitAuthAttempt(c);
      const { token, password } = c.req.valid("json");
      await c.var.services.accountEmail.confirmPasswordReset(token, password);
      return c.body(null, 204);
    },
  );
