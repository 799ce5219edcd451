import { describe, expect, it } from "vitest";
import { call, callJson, type ErrorJson } from "./helpers.ts";

const SESSION = { "x-movio-session": "cookie" };
let counter = 0;
const newAccount = () => ({
  email: `web${Date.now()}-${counter++}@example.com`,
  password: "a long enough password",
  displayName: "Web User",
});

/** The movio_refresh cookie's value and attributes from a Set-Cookie header. */
function sessionCookie(response: { headers: Headers }) {
  const header = response.headers.get("set-cookie") ?? "";
  const value = /movio_refresh=([^;]*)/.exec(header)?.[1];
  return { header, value };
}

async function webSignup() {
  const res = await callJson<{ accessToken: string; refreshToken?: string; user: { id: string } }>(
    "POST",
    "/api/v1/auth/web/signup",
    { body: newAccount(), headers: SESSION },
  );
  expect(res.status).toBe(201);
  return { ...res, cookie: sessionCookie(res).value! };
}

const refresh = (cookie: string | undefined, headers: Record<string, string> = SESSION) =>
  callJson<{ accessToken: string } & ErrorJson>("POST", "/api/v1/auth/web/refresh", {
    headers: { ...headers, ...(cookie ? { cookie: `movio_refresh=${cookie}` } : {}) },
  });

describe("web app sessions (refresh token in an HttpOnly cookie)", () => {
  it("signup sets a Secure, HttpOnly, SameSite=Strict cookie scoped to the session routes; the body has no refresh token", async () => {
    const res = await webSignup();
    const { header } = sessionCookie(res);
    expect(header).toMatch(/HttpOnly/i);
    expect(header).toMatch(/Secure/i);
    expect(header).toMatch(/SameSite=Strict/i);
    expect(header).toMatch(/Path=\/api\/v1\/auth\/web/);
    expect(res.body.refreshToken).toBeUndefined();
    const me = await callJson<{ id: string }>("GET", "/api/v1/me", { token: res.body.accessToken });
    expect(me.body.id).toBe(res.body.user.id);
  });

  it("refresh trades the cookie for a new access token and rotates it", async () => {
    const { cookie } = await webSignup();
    const first = await refresh(cookie);
    expect(first.status).toBe(200);
    const rotated = sessionCookie(first).value!;
    expect(rotated).toBeTruthy();
    expect(rotated).not.toBe(cookie);
    // Two tabs refreshing at once: within the grace window the old cookie gets the same successor.
    const twin = await refresh(cookie);
    expect(twin.status).toBe(200);
    expect(sessionCookie(twin).value).toBe(rotated);
    const next = await refresh(rotated);
    expect(next.status).toBe(200);
    expect(sessionCookie(next).value).not.toBe(rotated);
  });

  it("login works with the cookie too; a wrong password is 401 invalid_credentials", async () => {
    const account = newAccount();
    await callJson("POST", "/api/v1/auth/web/signup", { body: account, headers: SESSION });
    const ok = await callJson("POST", "/api/v1/auth/web/login", {
      body: { email: account.email, password: account.password },
      headers: SESSION,
    });
    expect(ok.status).toBe(200);
    expect(sessionCookie(ok).value).toBeTruthy();
    const bad = await callJson<ErrorJson>("POST", "/api/v1/auth/web/login", {
      body: { email: account.email, password: "wrong password!!" },
      headers: SESSION,
    });
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe("invalid_credentials");
  });

  it("refuses requests without the session header (what an HTML form on another site would send)", async () => {
    const { cookie } = await webSignup();
    const res = await refresh(cookie, {});
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("forbidden");
    const form = await call("POST", "/api/v1/auth/web/login", {
      rawBody: "email=a%40b.c&password=x",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect([403, 415]).toContain(form.status);
  });

  it("refuses another site's origin, even with the header", async () => {
    const { cookie } = await webSignup();
    const res = await refresh(cookie, { ...SESSION, origin: "https://evil.example" });
    expect(res.status).toBe(403);
  });

  it("refresh without a cookie is 401; a forged cookie is 401 and removed", async () => {
    expect((await refresh(undefined)).status).toBe(401);
    const forged = await refresh("forged-token-value");
    expect(forged.status).toBe(401);
    expect(sessionCookie(forged).header).toMatch(/movio_refresh=;/);
  });

  it("logout revokes the session and clears the cookie", async () => {
    const { cookie } = await webSignup();
    const out = await call("POST", "/api/v1/auth/web/logout", {
      headers: { ...SESSION, cookie: `movio_refresh=${cookie}` },
    });
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toMatch(/movio_refresh=;/);
    expect((await refresh(cookie)).status).toBe(401);
  });
});

describe("CORS", () => {
  it("is off by default: no allow-origin for another origin, preflight included", async () => {
    const preflight = await call("OPTIONS", "/api/v1/videos", {
      headers: { origin: "https://app.example", "access-control-request-method": "POST" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("allows the origins in CORS_ORIGINS, preflight and request", async () => {
    const bindings = { CORS_ORIGINS: "https://app.example, https://other.example/" };
    const preflight = await call("OPTIONS", "/api/v1/videos", {
      headers: {
        origin: "https://other.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
      },
      bindings,
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://other.example");
    expect(preflight.headers.get("access-control-allow-headers")).toContain("authorization");
    const get = await call("GET", "/api/v1/videos", { headers: { origin: "https://app.example" }, bindings });
    expect(get.headers.get("access-control-allow-origin")).toBe("https://app.example");
    const refused = await call("GET", "/api/v1/videos", {
      headers: { origin: "https://evil.example" },
      bindings,
    });
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
  });
});
