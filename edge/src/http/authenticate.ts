/**
 * Bearer access tokens. `authenticate` verifies a token when one comes; `requireViewer` is
 * for routes that need a viewer. A bad or expired token only fails routes that need one:
 * a browser holding a stale token must still read public pages, sign in, sign up and
 * refresh (the very calls that get it a fresh token). Routes that need a viewer answer
 * `token_expired` / `token_invalid`, so clients know to refresh.
 *
 * A valid signature is not enough: the session the token names (`sid`, its refresh token
 * family) must still be signed in and the account not deleted — one indexed lookup per
 * request that carries a token, so signing out, "sign out the others", a password change or
 * reset and an account deletion take effect at once instead of when access tokens expire.
 */

import { sql } from "drizzle-orm";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { ACCESS_AUDIENCE, verifyJwt } from "../../../shared/auth/jwt.ts";
import type { EdgeConfig } from "../../../shared/config/edge-config.ts";
import { ApiError } from "../../../shared/errors/api-error.ts";
import { getKeyRing } from "../auth/keys.ts";
import type { Database } from "../db/request-db.ts";
import type { AppEnv } from "../env.ts";
import type { Viewer } from "../services/video-access.ts";

export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("authorization");
  if (header) {
    try {
      const viewer = await viewerFrom(header, c.get("config"));
      await checkSignedIn(c.get("db"), viewer);
      c.set("viewer", viewer);
    } catch (err) {
      // Not the token's fault (keys unavailable): no route can be answered correctly.
      if (!(err instanceof ApiError) || err.code === "service_unavailable") throw err;
      c.set("authError", err);
    }
  }
  await next();
});

async function viewerFrom(header: string, config: EdgeConfig): Promise<Viewer> {
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header);
  if (!match?.[1]) throw new ApiError("token_invalid", "Authorization must be `Bearer <access token>`");
  const keys = await getKeyRing(config);
  const payload = await verifyJwt(match[1], keys.jwks, ACCESS_AUDIENCE);
  return {
    id: payload.sub as string,
    role: payload.role === "admin" ? "admin" : "viewer",
    ...(typeof payload.sid === "string" ? { sessionId: payload.sid } : {}),
  };
}

/**
 * The account exists and is not deleted, and the token's session is not revoked. Tokens
 * signed before sessions were named (no `sid`) are only checked for the account, until they
 * expire (ACCESS_TOKEN_TTL_S).
 */
async function checkSignedIn(db: Database, viewer: Viewer): Promise<void> {
  const session = viewer.sessionId;
  if (session !== undefined && !/^[0-9a-f-]{36}$/i.test(session)) {
    throw new ApiError("token_invalid", "this access token names no session");
  }
  const { rows } = await db.execute<{ live: boolean }>(sql`
    select exists (select 1 from users where id = ${viewer.id} and deleted_at is null)
       and (${session ?? null}::uuid is null or exists (
             select 1 from refresh_tokens
             where family_id = ${session ?? null}::uuid and user_id = ${viewer.id} and revoked_at is null)) as live`);
  if (rows[0]?.live !== true) {
    throw new ApiError("token_invalid", "this session was signed out; sign in again");
  }
}

export function requireViewer(c: Context<AppEnv>): Viewer {
  const viewer = c.get("viewer");
  if (viewer) return viewer;
  const refused = c.get("authError");
  throw new ApiError(
    refused?.code ?? "unauthorized",
    refused?.message ?? "sign in first: send `Authorization: Bearer <access token>`",
    { headers: { "www-authenticate": `Bearer realm="movio"${refused ? ', error="invalid_token"' : ""}` } },
  );
}
