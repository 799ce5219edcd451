/**
 * The signed-in user's own account (issue 24): name and mail settings, password, address,
 * sessions, deletion. Handlers are thin: AccountService does the work. Changes that need the
 * current password are limited by the account's sign-in backoff; a change that mails (a new
 * address) also by the per-user mail limit.
 */
import { createRoute } from "@hono/zod-openapi";
import {
  AccountSessionListSchema,
  ChangeEmailBody,
  ChangePasswordBody,
  DeleteAccountBody,
  SignedOutSchema,
  UpdateAccountBody,
} from "../../../shared/api/account.ts";
import { UserSchema } from "../../../shared/api/auth.ts";
import { errorResponses } from "../../../shared/api/common.ts";
import { requireViewer } from "../http/authenticate.ts";
import { createRouter } from "../http/openapi-app.ts";
import { bearer, json, ok } from "../http/openapi-helpers.ts";
import { limitVerificationMail } from "../http/rate-limit.ts";

export const accountRoutes = createRouter()
  .openapi(
    createRoute({
      method: "patch",
      path: "/api/v1/me",
      tags: ["account"],
      summary: "Change the display name, the video mail and/or the automatic captions setting",
      description:
        "`videoMail: true` asks for a mail when one of your videos is ready or has failed. " +
        "`autoCaptions: false` stops automatic captions from speech for all your videos (a video's own `autoCaptions` can opt out too); " +
        "captions asked for explicitly (`POST /api/v1/videos/{id}/captions`) are still made.",
      security: bearer,
      request: { body: json(UpdateAccountBody) },
      responses: { 200: ok("The user", UserSchema), ...errorResponses(400, 401, 413, 415) },
    }),
    async (c) => {
      const viewer = requireViewer(c);
      await c.var.services.account.update(viewer, c.req.valid("json"));
      const auth = await c.var.services.auth;
      return c.json(await auth.getUser(viewer.id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/api/v1/me",
      tags: ["account"],
      summary: "Delete the account and everything uploaded to it",
      description:
        "Needs the current password (403 `password_incorrect`). The account's videos are deleted and purged " +
        "(media, subtitle tracks, search records), its webhooks removed, every session signed out; the address " +
        "can sign up again at once.",
      security: bearer,
      request: { body: json(DeleteAccountBody) },
      responses: { 204: { description: "Account deleted" }, ...errorResponses(400, 401, 403, 413, 415, 429) },
    }),
    async (c) => {
      await c.var.services.account.deleteAccount(requireViewer(c), c.req.valid("json").password);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/v1/me/password",
      tags: ["account"],
      summary: "Change the password; signs out every other session",
      security: bearer,
      request: { body: json(ChangePasswordBody) },
      responses: {
        204: { description: "Password changed" },
        ...errorResponses(400, 401, 403, 413, 415, 429),
      },
    }),
    async (c) => {
      const { currentPassword, newPassword } = c.req.valid("json");
      await c.var.services.account.changePassword(requireViewer(c), currentPassword, newPassword);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/v1/me/email",
      tags: ["account"],
      summary: "Change the address: mails a confirmation link to the new one",
      description:
        "The account keeps its address until the link mailed to `newEmail` is opened (`/verify-email`, which posts " +
        "it to /api/v1/auth/verify-email); the current address is told at once. Needs the current password.",
      security: bearer,
      request: { body: json(ChangeEmailBody) },
      responses: {
        202: { description: "Confirmation mailed" },
        ...errorResponses(400, 401, 403, 409, 413, 415, 429),
      },
    }),
    async (c) => {
      const viewer = requireViewer(c);
      const { newEmail, password } = c.req.valid("json");
      await limitVerificationMail(c, viewer.id); // each request mails two addresses in our name
      await c.var.services.account.requestEmailChange(viewer, newEmail, password);
      return c.body(null, 202);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/v1/me/sessions",
      tags: ["account"],
      summary: "The account's signed-in sessions",
      security: bearer,
      responses: {
        200: ok("Sessions, newest activity first", AccountSessionListSchema),
        ...errorResponses(401),
      },
    }),
    async (c) => {
      return c.json({ sessions: await c.var.services.account.sessions(requireViewer(c)) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/v1/me/sessions/sign-out-others",
      tags: ["account"],
      summary: "Sign out every session but this one",
      security: bearer,
      responses: { 200: ok("How many were signed out", SignedOutSchema), ...errorResponses(401) },
    }),
    async (c) => {
      return c.json({ signedOut: await c.var.services.account.signOutOthers(requireViewer(c)) }, 200);
    },
  );
