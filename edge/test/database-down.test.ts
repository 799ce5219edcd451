/**
 * The database going away (a restart, an outage) is a 503 the client may retry, never a 500
 * and never a half-written row: reads and writes both, through the real HTTP query path.
 */
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { callJson, db, type ErrorJson } from "./helpers.ts";

const down = { bindings: { DATABASE_URL: env.TEST_DOWN_DATABASE_URL, DB_WS_PROXY: env.TEST_DOWN_DB_PROXY } };

describe("database unavailable", () => {
  it("answers a read with 503 service_unavailable and a Retry-After", async () => {
    const response = await callJson<ErrorJson>("GET", "/api/v1/videos", down);
    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe("service_unavailable");
    expect(response.headers.get("retry-after")).toBe("2");
  });

  it("answers a write with 503 and stores nothing", async () => {
    const email = `down-${Date.now()}@example.com`;
    const response = await callJson<ErrorJson>("POST", "/api/v1/auth/signup", {
      ...down,
      body: { email, password: "a long enough password", displayName: "Nobody" },
    });
    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe("service_unavailable");
    // The real database never saw it: no half-written account.
    expect(await db(sql`select 1 from users where email = ${email}`)).toEqual([]);
  });
});
