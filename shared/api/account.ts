/**
 * The account API (`/api/v1/me…`, issue 24): what a signed-in user changes about their own
 * account. Every change that could lock the owner out (password, address, deletion) asks
 * for the current password.
 */
import { z } from "@hono/zod-openapi";
import { Email } from "./auth.ts";
import { storableText } from "./common.ts";

const NewPassword = storableText(z.string().min(10, "must be at least 10 characters").max(200));
const CurrentPassword = z.string().min(1).max(200);

export const UpdateAccountBody = z
  .strictObject({
    displayName: storableText(z.string().trim().min(1).max(80)).optional(),
    /** Mail me when one of my videos is ready or has failed. */
    videoMail: z.boolean().optional(),
    /** Automatic captions for my videos without subtitles in their spoken language (issue 23). */
    autoCaptions: z.boolean().optional(),
  })
  .refine(
    (body) =>
      body.displayName !== undefined || body.videoMail !== undefined || body.autoCaptions !== undefined,
    { message: "send displayName, videoMail and/or autoCaptions" },
  )
  .openapi("UpdateAccountRequest");

export const ChangePasswordBody = z
  .strictObject({ currentPassword: CurrentPassword, newPassword: NewPassword })
  .openapi("ChangePasswordRequest");

export const ChangeEmailBody = z
  .strictObject({ newEmail: Email, password: CurrentPassword })
  .openapi("ChangeEmailRequest");

export const DeleteAccountBody = z
  .strictObject({ password: CurrentPassword })
  .openapi("DeleteAccountRequest");

export const AccountSessionSchema = z
  .object({
    id: z.string(),
    signedInAt: z.string().openapi({ format: "date-time" }),
    /** When the session last traded its refresh token (the web app does so every few minutes). */
    lastActiveAt: z.string().openapi({ format: "date-time" }),
    /** The session the request's access token belongs to. */
    current: z.boolean(),
  })
  .openapi("AccountSession");

export const AccountSessionListSchema = z
  .object({ sessions: z.array(AccountSessionSchema) })
  .openapi("AccountSessionList");

export const SignedOutSchema = z
  .object({ signedOut: z.number().int().openapi({ description: "Sessions signed out" }) })
  .openapi("SignedOut");
