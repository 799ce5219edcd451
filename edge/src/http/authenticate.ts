/**
 * Bearer access tokens. `authenticate` accepts anonymous requests but refuses a bad token
 * (a client sending one wants to be someone); `requireViewer` is for routes that need one.
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { ACCESS_AUDIENCE, verifyJwt } from "../../../shared/auth/jwt.ts";
import { ApiError } from "../../../shared/errors/api-error.ts";
import { getKeyRing } from "../auth/keys.ts";
import type { AppEnv } from "../env.ts";
import type { Viewer } from "../services/video-access.ts";

export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("authorization");
  if (header) {
    const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header);
    if (!match?.[1]) throw new ApiError("token_invalid", "Authorization must be `Bearer <access token>`");
    const keys = await getKeyRing(c.get("config"));
    const payload = await verifyJwt(match[1], keys.jwks, ACCESS_AUDIENCE);
    const role = payload.role === "admin" ? "admin" : "viewer";
    c.set("viewer", { id: payload.sub as string, role });
  }
  await next();
});

export function requireViewer(c: Context<AppEnv>): Viewer {
  const viewer = c.get("viewer");
  if (!viewer) {
    throw new ApiError("unauthorized", "sign in first: send `Authorization: Bearer <access token>`", {
      headers: { "www-authenticate": 'Bearer realm="movio"' },
    });
  }
  return viewer;
}
