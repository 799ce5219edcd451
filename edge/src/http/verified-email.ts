/**
 * SIGNUP_REQUIRES_VERIFIED_EMAIL: with it on, an account that has not verified its address
 * may sign in and watch but not create videos, upload or add webhooks (403 email_unverified).
 * Asked of the database (not the access token), so a verification applies at once.
 */
import { sql } from "drizzle-orm";
import type { Context } from "hono";
import { ApiError } from "../../../shared/errors/api-error.ts";
import type { AppEnv } from "../env.ts";
import type { Viewer } from "../services/video-access.ts";

export async function requireVerifiedEmail(c: Context<AppEnv>, viewer: Viewer): Promise<void> {
  if (!c.get("config").SIGNUP_REQUIRES_VERIFIED_EMAIL || viewer.role === "admin") return;
  const { rows } = await c
    .get("db")
    .execute<{ verified: boolean }>(
      sql`select email_verified_at is not null as verified from users where id = ${viewer.id}`,
    );
  if (rows[0]?.verified !== true) {
    throw new ApiError(
      "email_unverified",
      "verify your email address first: open the link we mailed you, or ask for a new one",
    );
  }
}
