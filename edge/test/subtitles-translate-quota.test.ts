/**
 * Machine translation is capped per user per month (TRANSLATE_MONTHLY_CHARS, the
 * translation_usage ledger, which deleted videos never lower) and starts only once the video
 * has an upload: POST …/:lang/translations refuses up front with 429 quota_exceeded or 409
 * video_not_ready, queueing nothing.
 */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { callJson, createVideo, db, type ErrorJson, markReady } from "./helpers.ts";
import { jobsOf, ownerWithVideo, putSubtitle, SRT } from "./subtitle-helpers.ts";

/** SRT's two cues hold "Hello" and "<i>World</i>": 17 characters. */
const SOURCE_CHARS = 17;
const ON = { AWS_TRANSLATE_ENDPOINT: "http://127.0.0.1:9", TRANSLATE_MONTHLY_CHARS: "100" };

const translate = (videoId: string, token: string, to: string[], bindings: Record<string, string> = ON) =>
  callJson<ErrorJson & { queued: string[] }>("POST", `/api/v1/videos/${videoId}/subtitles/en/translations`, {
    token,
    body: { to },
    bindings,
  });

/** Characters the user's month already counts, as the farm's reservations leave them. */
async function used(userId: string, chars: number) {
  await db(sql`insert into translation_usage (user_id, month, chars)
    values (${userId}, date_trunc('month', now() at time zone 'utc')::date, ${chars})
    on conflict (user_id, month) do update set chars = excluded.chars`);
}

describe("the monthly machine translation cap", () => {
  it("refuses a request that would pass it (429 quota_exceeded), queueing nothing", async () => {
    const { owner, videoId } = await ownerWithVideo();
    await putSubtitle(owner.accessToken, videoId, "en", SRT);
    await used(owner.user.id, 100 - 2 * SOURCE_CHARS + 1);
    const res = await translate(videoId, owner.accessToken, ["fr", "es"]);
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe("quota_exceeded");
    expect(res.body.error.message).toMatch(/67 of the 100 characters .*TRANSLATE_MONTHLY_CHARS/);
    expect(await jobsOf(videoId, "translate_subtitles")).toHaveLength(0);
    // One language fits.
    const one = await translate(videoId, owner.accessToken, ["fr"]);
    expect(one.status).toBe(202);
    expect(one.body.queued).toEqual(["fr"]);
  });

  it("counts what was sent for videos since deleted: the ledger is the user's, not the videos'", async () => {
    const { owner, videoId: gone } = await ownerWithVideo();
    await used(owner.user.id, 95);
    expect((await callJson("DELETE", `/api/v1/videos/${gone}`, { token: owner.accessToken })).status).toBe(
      204,
    );
    const { video } = await createVideo(owner.accessToken);
    await markReady(video.id);
    await putSubtitle(owner.accessToken, video.id, "en", SRT);
    const res = await translate(video.id, owner.accessToken, ["fr"]);
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe("quota_exceeded");
    // A new month starts afresh.
    await db(sql`update translation_usage set month = (month - interval '1 month')::date
      where user_id = ${owner.user.id}`);
    expect((await translate(video.id, owner.accessToken, ["fr"])).status).toBe(202);
  });

  it("is the video owner's: someone else gets 403 (public) or 404 (private), never the owner's quota", async () => {
    for (const visibility of ["public", "private"] as const) {
      const { owner, other, videoId } = await ownerWithVideo(visibility);
      await putSubtitle(owner.accessToken, videoId, "en", SRT);
      await used(owner.user.id, 100);
      const res = await translate(videoId, other.accessToken, ["fr"]);
      expect(res.status).toBe(visibility === "public" ? 403 : 404);
    }
  });
});

describe("a translation before the video has an upload", () => {
  it("is refused with 409 video_not_ready (a track may be uploaded first, translated later)", async () => {
    const { owner, videoId } = await ownerWithVideo("public", false);
    expect((await putSubtitle(owner.accessToken, videoId, "en", SRT)).status).toBe(201);
    const res = await translate(videoId, owner.accessToken, ["fr"]);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("video_not_ready");
    expect(res.body.error.message).toMatch(/awaiting upload/);
    expect(await jobsOf(videoId, "translate_subtitles")).toHaveLength(0);
    // Once the upload is processing, it may start.
    await db(sql`update videos set status = 'processing' where id = ${videoId}`);
    expect((await translate(videoId, owner.accessToken, ["fr"])).status).toBe(202);
  });
});
