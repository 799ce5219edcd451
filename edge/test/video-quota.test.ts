/** POST /api/v1/videos: per-user rate limit and cap on videos awaiting their upload. */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { callJson, createVideo, db, type ErrorJson, signUp } from "./helpers.ts";

const create = (token: string, bindings: Record<string, string> = {}) =>
  callJson<ErrorJson>("POST", "/api/v1/videos", {
    token,
    bindings,
    body: { title: "Another", visibility: "public" },
  });

describe("videos awaiting upload per user", () => {
  it("refuses a video past MAX_AWAITING_UPLOAD_PER_USER with 429 quota_exceeded", async () => {
    const owner = await signUp();
    const other = await signUp();
    const cap = { MAX_AWAITING_UPLOAD_PER_USER: "3" };
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await createVideo(owner.accessToken, {}, { bindings: cap }));
    const refused = await create(owner.accessToken, cap);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("quota_exceeded");
    expect(refused.body.error.message).toMatch(/3 videos awaiting their upload/);
    const [count] = await db<{ n: number }>(
      sql`select count(*)::int as n from videos where owner_id = ${owner.user.id}`,
    );
    expect(count?.n).toBe(3);
    // Someone else is not affected.
    expect((await create(other.accessToken, cap)).status).toBe(201);
    // A video that got its upload, or was deleted, frees a place.
    await db(sql`update videos set status = 'uploading' where id = ${made[0]!.video.id}`);
    expect((await create(owner.accessToken, cap)).status).toBe(201);
    expect((await create(owner.accessToken, cap)).status).toBe(429);
    const del = await callJson("DELETE", `/api/v1/videos/${made[1]!.video.id}`, { token: owner.accessToken });
    expect(del.status).toBe(204);
    expect((await create(owner.accessToken, cap)).status).toBe(201);
  });

  it("defaults to 20", async () => {
    const owner = await signUp();
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) statuses.push((await create(owner.accessToken)).status);
    expect(statuses.slice(0, 20).every((s) => s === 201)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });
});

describe("POST /api/v1/videos rate limit", () => {
  it("allows 30 creations a minute per user, then 429 rate_limited with Retry-After", {
    timeout: 40_000,
  }, async () => {
    const owner = await signUp();
    const other = await signUp();
    const noCap = { MAX_AWAITING_UPLOAD_PER_USER: "1000" };
    // The limiter counts in fixed 60 s windows: a run straddling a window's end would start a
    // fresh count half-way, so it starts in a window with at least 15 s left (it takes ~2 s).
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 15_000) await new Promise((resolve) => setTimeout(resolve, left + 100));
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof create>> | undefined;
    for (let i = 0; i < 31; i++) {
      last = await create(owner.accessToken, noCap);
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 30).every((s) => s === 201)).toBe(true);
    expect(last?.status).toBe(429);
    expect(last?.body.error.code).toBe("rate_limited");
    expect(Number(last?.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await create(other.accessToken, noCap)).status).toBe(201);
  });
});
