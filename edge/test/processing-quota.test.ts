/**
 * PROCESSING_MINUTES_PER_DAY at the edge: once the owner's source accepted for processing in
 * the last 24 hours (the farm's `processing_usage` ledger, deleted videos included) reaches
 * it, creating a video and asking for a new upload ticket answer 429 `quota_exceeded`.
 */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { callJson, createVideo, db, type ErrorJson, makeAdmin, signUp } from "./helpers.ts";

const QUOTA = { PROCESSING_MINUTES_PER_DAY: "10" };

const create = (token: string) =>
  callJson<ErrorJson>("POST", "/api/v1/videos", {
    token,
    bindings: QUOTA,
    body: { title: "Over quota", visibility: "public" },
  });
const reissue = (id: string, token: string) =>
  callJson<ErrorJson>("POST", `/api/v1/videos/${id}/upload`, { token, bindings: QUOTA });

/** `minutes` of source charged to the user, `hoursAgo`, on a video that no longer exists. */
async function charged(userId: string, minutes: number, hoursAgo = 0) {
  await db(sql`insert into processing_usage (user_id, video_id, job_id, source_ms, charged_at)
    values (${userId}::uuid, gen_random_uuid(), -floor(random() * 1e12)::bigint, ${minutes * 60_000},
            now() - make_interval(hours => ${hoursAgo}))`);
}

describe("processing quota at the edge", () => {
  it("gives tickets until the last 24 hours used the quota, then 429 quota_exceeded", async () => {
    const owner = await signUp();
    const { video } = await createVideo(owner.accessToken, {}, { bindings: QUOTA });
    // Charges older than 24 hours do not count; 9.5 minutes today leave room for a ticket.
    await charged(owner.user.id, 60, 25);
    await charged(owner.user.id, 9.5);
    expect((await reissue(video.id, owner.accessToken)).status).toBe(200);
    expect((await create(owner.accessToken)).status).toBe(201);

    // Half a minute more (a deleted video's, say): the quota is used up.
    await charged(owner.user.id, 0.5);
    const refusedTicket = await reissue(video.id, owner.accessToken);
    expect(refusedTicket.status).toBe(429);
    expect(refusedTicket.body.error).toMatchObject({
      code: "quota_exceeded",
      message: expect.stringMatching(/10 minutes of video processed in the last 24 hours/),
      details: { limit: 10, usedMinutes: 10 },
    });
    const before = await db<{ n: number }>(
      sql`select count(*)::int as n from videos where owner_id = ${owner.user.id}`,
    );
    const refusedCreate = await create(owner.accessToken);
    expect(refusedCreate.status).toBe(429);
    expect(refusedCreate.body.error.code).toBe("quota_exceeded");
    // Nothing was created.
    expect(
      await db<{ n: number }>(sql`select count(*)::int as n from videos where owner_id = ${owner.user.id}`),
    ).toEqual(before);

    // Another user has their own quota.
    const other = await signUp();
    expect((await create(other.accessToken)).status).toBe(201);
  });

  it("counts the owner's quota when an admin asks for the ticket, and needs a signed-in caller", async () => {
    const owner = await signUp();
    const admin = await signUp();
    await makeAdmin(admin.user.id);
    // Signed in again: the access token carries the role.
    const session = await callJson<{ accessToken: string }>("POST", "/api/v1/auth/login", {
      body: { email: admin.user.email, password: admin.password },
    });
    const { video } = await createVideo(owner.accessToken, { visibility: "private" }, { bindings: QUOTA });
    await charged(owner.user.id, 10);
    const res = await reissue(video.id, session.body.accessToken);
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe("quota_exceeded");
    // The admin's own (empty) usage is not what counts, and no one else gets past it either.
    const stranger = await signUp();
    expect((await reissue(video.id, stranger.accessToken)).status).toBe(404);
    expect(
      (await callJson<ErrorJson>("POST", `/api/v1/videos/${video.id}/upload`, { bindings: QUOTA })).status,
    ).toBe(401);
  });
});
