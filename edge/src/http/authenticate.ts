/**
 * Bearer access tokens. `authenticate` verifies a token when one comes; `requireViewer` is
 * for routes that need a viewer. A bad or expired token only fails routes that need one:
 * a browser holding a stale token must still read public pages, sign in, sign up and
 * refresh (the very calls that get it a fresh token). Routes that need a viewer answer
 * `token_expired` / `token_invalid`, so clients know to refresh.
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { ACCESS_AUDIENCE, verifyJwt } from "../../../shared/auth/jwt.ts";
import type { EdgeConfig } from "../../../shared/config/edge-config.ts";
import { ApiError } from "../../../shared/errors/api-error.ts";
import { getKeyRing } from "../auth/keys.ts";
import type { AppEnv } from "../env.ts";
import type { Viewer } from "../services/video-access.ts";

export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("authorization");
  if (header) {
    try {
      c.set("viewer", await viewerFrom(header, c.get("config")));
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
  return { id: payload.sub as string, role: payload.role === "admin" ? "admin" : "viewer" };
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
