/** Bad input never yields a 500: each kind has its own 4xx code. */
import { describe, expect, it } from "vitest";
import { callJson, type ErrorJson, signUp } from "./helpers.ts";

describe("the one error model", () => {
  it("malformed JSON → 400 invalid_json", async () => {
    const res = await callJson<ErrorJson>("POST", "/api/v1/auth/login", {
      rawBody: '{"email": "a@b.c", ',
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_json");
    expect(res.body.error.requestId).toBe(res.headers.get("x-request-id"));
  });

  it("wrong types → 400 validation_failed naming the field", async () => {
    const account = await signUp();
    const res = await callJson<ErrorJson>("POST", "/api/v1/videos", {
      token: account.accessToken,
      body: { title: 42, visibility: "public" },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
    expect(res.body.error.message).toContain("title");
  });

  it("unknown fields → 400 validation_failed", async () => {
    const res = await callJson<ErrorJson>("POST", "/api/v1/auth/login", {
      body: { email: "a@example.com", password: "whatever123", isAdmin: true },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
    expect(res.body.error.message).toContain("isAdmin");
  });

  it("a JSON body that is not an object → 400 validation_failed", async () => {
    const res = await callJson<ErrorJson>("POST", "/api/v1/auth/login", { body: [1, 2, 3] });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
  });

  it("bad ids → 400 invalid_id", async () => {
    const res = await callJson<ErrorJson>("GET", "/api/v1/videos/not-a-uuid");
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_id");
  });

  it("oversized bodies → 413 payload_too_large, even without a Content-Length", async () => {
    const big = JSON.stringify({ email: "a@example.com", password: "x".repeat(10_000) });
    const res = await callJson<ErrorJson>("POST", "/api/v1/auth/login", {
      rawBody: big,
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("payload_too_large");
  });

  it("a body that is not JSON → 415 unsupported_media_type", async () => {
    const res = await callJson<ErrorJson>("POST", "/api/v1/auth/login", {
      rawBody: "email=a@example.com",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe("unsupported_media_type");
  });

  it("a bad cursor → 400 invalid_cursor; a bad limit → 400 validation_failed", async () => {
    const cursor = await callJson<ErrorJson>("GET", "/api/v1/videos?cursor=bm9wZQ");
    expect(cursor.status).toBe(400);
    expect(cursor.body.error.code).toBe("invalid_cursor");
    const limit = await callJson<ErrorJson>("GET", "/api/v1/videos?limit=5000");
    expect(limit.status).toBe(400);
    expect(limit.body.error.code).toBe("validation_failed");
  });

  it("a cursor whose timestamp JavaScript parses but Postgres does not → 400 invalid_cursor, never 500", async () => {
    const id = crypto.randomUUID();
    const cursorOf = (value: unknown) =>
      btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    for (const at of [
      "1",
      "2026-05-01T12:00:00Z",
      "May 1, 2026",
      "2026-02-30 10:00:00+00",
      "0000-01-01 00:00:00+00",
      "2026-05-01 24:00:00+00",
      "2026-05-01 12:00:00+16",
      "2026-05-01 12:00:00.1234567+00",
    ]) {
      for (const path of ["/api/v1/videos", "/api/v1/me/videos"]) {
        const account = path === "/api/v1/me/videos" ? await signUp() : undefined;
        const res = await callJson<ErrorJson>("GET", `${path}?cursor=${cursorOf([at, id])}`, {
          token: account?.accessToken,
        });
        expect(res.status, `${path} ${at}`).toBe(400);
        expect(res.body.error.code).toBe("invalid_cursor");
      }
    }
    for (const value of [["2026-05-01 12:00:00+00", id, "extra"], { at: "2026-05-01 12:00:00+00", id }]) {
      const res = await callJson<ErrorJson>("GET", `/api/v1/videos?cursor=${cursorOf(value)}`);
      expect(res.status).toBe(400);
    }
    // Postgres' own text forms, in any offset, are accepted.
    for (const at of [
      "2026-05-01 12:34:56.123456+00",
      "2026-05-01 12:34:56+05:30",
      "1999-12-31 23:59:59-03",
    ]) {
      const res = await callJson("GET", `/api/v1/videos?cursor=${cursorOf([at, id])}`);
      expect(res.status, at).toBe(200);
    }
  });

  it("text Postgres cannot store as sent (NUL, unpaired surrogates) → 400 validation_failed, never 500", async () => {
    const account = await signUp();
    for (const title of ["a\u0000b", "\uD800", "x\uDFFFy"]) {
      const created = await callJson<ErrorJson>("POST", "/api/v1/videos", {
        token: account.accessToken,
        body: { title, visibility: "public" },
      });
      expect(created.status, JSON.stringify(title)).toBe(400);
      expect(created.body.error.code).toBe("validation_failed");
    }
    const ok = await callJson<{ video: { id: string } }>("POST", "/api/v1/videos", {
      token: account.accessToken,
      body: { title: "🎬 fine", visibility: "public" },
    });
    expect(ok.status).toBe(201);
    const patched = await callJson<ErrorJson>("PATCH", `/api/v1/videos/${ok.body.video.id}`, {
      token: account.accessToken,
      body: { description: "nul\u0000" },
    });
    expect(patched.status).toBe(400);
    const signup = await callJson<ErrorJson>("POST", "/api/v1/auth/signup", {
      body: {
        email: `nul${Date.now()}@example.com`,
        password: "long enough password",
        displayName: "a\u0000",
      },
    });
    expect(signup.status).toBe(400);
    expect(signup.body.error.message).toContain("displayName");
  });
});
