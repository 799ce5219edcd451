/**
 * Who is an admin: users whose stored role is `admin` (`npm run admin -- grant <email>`) and
 * the accounts named in ADMIN_EMAILS once they have verified that address (otherwise whoever
 * registered a listed address first would be admin). Access tokens carry the role for ordinary checks (an
 * admin may change any video); the admin API asks the database on every request instead,
 * so a revoke takes effect at once rather than when the 15-minute token expires.
 */

import { sql } from "drizzle-orm";
import type { Context } from "hono";
import type { EdgeConfig } from "../../../shared/config/edge-config.ts";
import { ApiError } from "../../../shared/errors/api-error.ts";
import type { AppEnv } from "../env.ts";
import { requireViewer } from "../http/authenticate.ts";

export function effectiveRole(
  user: { email: string; role: "viewer" | "admin"; email_verified_at?: string | Date | null },
  config: Pick<EdgeConfig, "ADMIN_EMAILS">,
): "viewer" | "admin" {
  if (user.role === "admin") return "admin";
  const listed = config.ADMIN_EMAILS.includes(user.email.toLowerCase());
  return listed && user.email_verified_at != null ? "admin" : "viewer";
}

export interface Admin {
  id: string;
  email: string;
}

/** 401 without a valid token, 403 for anyone but an admin (checked against the database now). */
export async function requireAdmin(c: Context<AppEnv>): Promise<Admin> {
  const viewer = requireViewer(c);
  const { rows } = await c
    .get("db")
    .execute<{ email: string; role: "viewer" | "admin"; email_verified_at: string | null }>(
      sql`select email, role, email_verified_at from users where id = ${viewer.id}`,
    );
  const user = rows[0];
  if (!user || effectiveRole(user, c.get("config")) !== "admin") {
    throw new ApiError("forbidden", "admins only: this needs the admin role");
  }
  return { id: viewer.id, email: user.email };
}
