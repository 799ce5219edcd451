/**
 * Sessions for the web app: sign-up, log-in, refresh and log-out with the refresh token kept
 * in an HttpOnly cookie (see http/session-cookie.ts) and the access token returned to the
 * page, which holds it in memory only. The Bearer API (`/api/v1/auth/*`) is unchanged for
 * other clients; both share the AuthService (rotation, reuse detection, rate limits).
 */
import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { LoginBody, SignupBody, WEB_SESSION_HEADER, WebSessionSchema } from "../../../shared/api/auth.ts";
import { errorResponses } from "../../../shared/api/common.ts";
import { ApiError } from "../../../shared/errors/api-error.ts";
import type { AppEnv } from "../env.ts";
import { createRouter } from "../http/openapi-app.ts";
import { json, ok } from "../http/openapi-helpers.ts";
import { limitAuthAttempt, withLoginFailureLimit } from "../http/rate-limit.ts";
import {
  checkSessionRequest,
  clearSessionCookie,
  readSessionCookie,
  writeSessionCookie,
} from "../http/session-cookie.ts";
import type { Session } from "../services/auth-service.ts";

const webSession = (description: string) =>
  ok(`${description}; the refresh token is set as the HttpOnly cookie movio_refresh`, WebSessionSchema);
const sessionHeader = {
  description: 'Must be "cookie": proves the request comes from a script of an allowed origin',
};

function toWebSession(c: Context<AppEnv>, session: Session) {
  writeSessionCookie(c, session.refreshToken, session.refreshTokenExpiresAt);
  const { refreshToken: _secret, ...rest } = session;
  return rest;
}

export const webSessionRoutes = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/api/v1/auth/web/signup",
      tags: ["auth"],
      summary: "Create an account (web app session)",
      description: `Send the header ${WEB_SESSION_HEADER}: cookie. ${sessionHeader.description}.`,
      request: { body: json(SignupBody) },
      responses: { 201: webSession("Account created"), ...errorResponses(400, 403, 409, 413, 415, 429) },
    }),
    async (c) => {
      checkSessionRequest(c);
      await limitAuthAttempt(c);
      const auth = await c.var.services.auth;
      const session = await auth.signup(c.req.valid("json"));
      return c.json(toWebSession(c, session), 201);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/v1/auth/web/login",
      tags: ["auth"],
      summary: "Sign in (web app session)",
      description: `Send the header ${WEB_SESSION_HEADER}: cookie.`,
      request: { body: json(LoginBody) },
      responses: { 200: webSession("Signed in"), ...errorResponses(400, 401, 403, 429) },
    }),
    async (c) => {
      checkSessionRequest(c);
      const body = c.req.valid("json");
      await limitAuthAttempt(c);
      const auth = await c.var.services.auth;
      const session = await withLoginFailureLimit(c, body.email, () => auth.login(body));
      return c.json(toWebSession(c, session), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/v1/auth/web/refresh",
      tags: ["auth"],
      summary: "A new access token from the session cookie (rotates the cookie)",
      description: `No body. Send the header ${WEB_SESSION_HEADER}: cookie. 401 when there is no valid session.`,
      responses: { 200: webSession("New access token"), ...errorResponses(401, 403) },
    }),
    async (c) => {
      checkSessionRequest(c);
      const refreshToken = readSessionCookie(c);
      if (!refreshToken) throw new ApiError("unauthorized", "not signed in");
      try {
        const auth = await c.var.services.auth;
        const session = await auth.refresh(refreshToken);
        return c.json(toWebSession(c, session), 200);
      } catch (err) {
        // A cookie that no longer works is removed, so the browser stops sending it.
        if (err instanceof ApiError && err.status === 401) clearSessionCookie(c);
        throw err;
      }
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/v1/auth/web/logout",
      tags: ["auth"],
      summary: "Sign out: revoke the session and remove the cookie",
      description: `No body. Send the header ${WEB_SESSION_HEADER}: cookie.`,
      responses: { 204: { description: "Signed out" }, ...errorResponses(403) },
    }),
    async (c) => {
      checkSessionRequest(c);
      const refreshToken = readSessionCookie(c);
      clearSessionCookie(c);
      if (refreshToken) {
        const auth = await c.var.services.auth;
        await auth
          .logout(refreshToken)
          .catch((err) => (err instanceof ApiError && err.status === 401 ? undefined : Promise.reject(err)));
      }
      return c.body(null, 204);
    },
  );
