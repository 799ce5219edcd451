/**
 * POST /api/v1/videos/:id/captions (generate captions from speech) and what GET
 * /api/v1/capabilities says about captions; editing an auto track marks it reviewed.
 */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { callJson, db, type ErrorJson, makeAdmin } from "./helpers.ts";
import { insertTrack, jobsOf, ownerWithVideo, type TrackJson } from "./subtitle-helpers.ts";

/** Captions on, as with a local Transcribe stand-in (the edge never calls it). */
const ON = { AWS_TRANSCRIBE_ENDPOINT: "http://127.0.0.1:9" };

interface QueuedJson {
  queued: boolean;
  track: TrackJson & { reviewed?: boolean };
}

const generate = (videoId: string, token: string | undefined, bindings: Record<string, string> = ON) =>
  callJson<QueuedJson & ErrorJson>("POST", `/api/v1/videos/${videoId}/captions`, { token, bindings });

describe("POST /api/v1/videos/:id/captions", () => {
  it("queues a transcription and shows the auto track pending (202); asking again queues nothing more", async () => {
    const { owner, videoId } = await ownerWithVideo();
    await db(sql`update videos set language = 'en', duration_ms = 12000 where id = ${videoId}`);
    const res = await generate(videoId, owner.accessToken);
    expect(res.status).toBe(202);
    expect(res.body.queued).toBe(true);
    expect(res.body.track).toMatchObject({
      lang: "en",
      label: "English (auto-generated)",
      origin: "auto",
      status: "pending",
      reviewed: false,
    });
    const jobs = await jobsOf(videoId, "transcribe_audio");
    expect(jobs.map((j) => j.payload)).toEqual([{ regenerate: true }]);
    const again = await generate(videoId, owner.accessToken);
    expect(again.status).toBe(202);
    expect(again.body.queued).toBe(false);
    expect(await jobsOf(videoId, "transcribe_audio")).toHaveLength(1);
    // The track is listed like any other.
    const list = await callJson<{ items: TrackJson[] }>("GET", `/api/v1/videos/${videoId}/subtitles`);
    expect(list.body.items.map((t) => t.origin)).toEqual(["auto"]);
  });

  it("keeps a ready auto track ready while it is generated again", async () => {
    const { owner, videoId } = await ownerWithVideo();
    await insertTrack(videoId, { lang: "en", origin: "auto" }, [{ startMs: 0, endMs: 900, text: "hi" }]);
    const res = await generate(videoId, owner.accessToken);
    expect(res.status).toBe(202);
    expect(res.body.track).toMatchObject({ origin: "auto", status: "ready", cueCount: 1 });
  });

  it("refuses when captions are off, before an upload, and for videos too long", async () => {
    const { owner, videoId } = await ownerWithVideo();
    const off = await generate(videoId, owner.accessToken, {});
    expect(off.status).toBe(409);
    expect(off.body.error.code).toBe("captions_unavailable");
    const switchedOff = await generate(videoId, owner.accessToken, { ...ON, TRANSCRIBE_ENABLED: "false" });
    expect(switchedOff.body.error.code).toBe("captions_unavailable");

    const fresh = await ownerWithVideo("public", false);
    const early = await generate(fresh.videoId, fresh.owner.accessToken);
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe("video_not_ready");

    await db(sql`update videos set duration_ms = 7200000 where id = ${videoId}`);
    const long = await generate(videoId, owner.accessToken, { ...ON, TRANSCRIBE_MAX_DURATION_S: "3600" });
    expect(long.status).toBe(409);
    expect(long.body.error.code).toBe("video_too_long");
    expect(await jobsOf(videoId, "transcribe_audio")).toHaveLength(0);
  });

  it("refuses an owner whose month of minutes is used up (429 quota_exceeded)", async () => {
    const { owner, videoId } = await ownerWithVideo();
    await db(sql`update videos set duration_ms = 120000 where id = ${videoId}`);
    await db(sql`insert into transcription_usage (user_id, month, seconds)
      values (${owner.user.id}, date_trunc('month', now() at time zone 'utc')::date, 3590)`);
    const res = await generate(videoId, owner.accessToken, { ...ON, TRANSCRIBE_MONTHLY_MINUTES: "60" });
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe("quota_exceeded");
    expect(res.body.error.message).toContain("TRANSCRIBE_MONTHLY_MINUTES");
  });

  it("an edited auto track is reviewed: never generated over (409 captions_reviewed)", async () => {
    const { owner, videoId } = await ownerWithVideo();
    await insertTrack(videoId, { lang: "en", origin: "auto" }, [{ startMs: 0, endMs: 900, text: "hi" }]);
    const edit = await callJson<{ track: QueuedJson["track"] }>(
      "PATCH",
      `/api/v1/videos/${videoId}/subtitles/en/cues?origin=auto`,
      { token: owner.accessToken, body: { changes: [{ index: 0, text: "Hello" }] } },
    );
    expect(edit.status).toBe(200);
    expect(edit.body.track).toMatchObject({ origin: "auto", reviewed: true });
    const res = await generate(videoId, owner.accessToken);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("captions_reviewed");
    expect(await jobsOf(videoId, "transcribe_audio")).toHaveLength(0);
  });

  it("only the owner or an admin: 401 without a token, 403 for others, 404 for hidden videos", async () => {
    const { owner, other, videoId } = await ownerWithVideo();
    expect((await generate(videoId, undefined)).status).toBe(401);
    const forbidden = await generate(videoId, other.accessToken);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe("forbidden");
    const hidden = await ownerWithVideo("private");
    expect((await generate(hidden.videoId, other.accessToken)).status).toBe(404);
    expect((await generate("not-a-uuid", owner.accessToken)).status).toBe(400);
    expect((await generate(crypto.randomUUID(), owner.accessToken)).status).toBe(404);
    expect(await jobsOf(videoId, "transcribe_audio")).toHaveLength(0);
    await makeAdmin(other.user.id);
    const login = await callJson<{ accessToken: string }>("POST", "/api/v1/auth/login", {
      body: { email: other.user.email, password: other.password },
    });
    expect((await generate(hidden.videoId, login.body.accessToken)).status).toBe(202);
  });
});

describe("a video's own opt-out (autoCaptions)", () => {
  it("is on unless the video is created or changed with autoCaptions: false; bad values are 400", async () => {
    const { owner } = await ownerWithVideo();
    const create = (body: Record<string, unknown>) =>
      callJson<{ video: { id: string; autoCaptions: boolean } } & ErrorJson>("POST", "/api/v1/videos", {
        token: owner.accessToken,
        body: { title: "Opt-out", visibility: "public", ...body },
      });
    const plain = await create({});
    expect(plain.status).toBe(201);
    expect(plain.body.video.autoCaptions).toBe(true);
    const off = await create({ autoCaptions: false });
    expect(off.body.video.autoCaptions).toBe(false);
    const [row] = await db<{ auto_captions: boolean }>(
      sql`select auto_captions from videos where id = ${off.body.video.id}`,
    );
    expect(row?.auto_captions).toBe(false);
    const bad = await create({ autoCaptions: "yes" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("validation_failed");
    const patched = await callJson<{ autoCaptions: boolean }>(
      "PATCH",
      `/api/v1/videos/${off.body.video.id}`,
      {
        token: owner.accessToken,
        body: { autoCaptions: true },
      },
    );
    expect(patched.status).toBe(200);
    expect(patched.body.autoCaptions).toBe(true);
  });
});

describe("GET /api/v1/capabilities: captions", () => {
  it("says whether captions are on, for which languages, and the limits", async () => {
    const off = await callJson<{ captions: unknown }>("GET", "/api/v1/capabilities");
    expect(off.body.captions).toEqual({
      enabled: false,
      languages: [],
      maxDurationS: 14400,
      monthlyMinutes: 600,
    });
    const on = await callJson<{ captions: unknown }>("GET", "/api/v1/capabilities", {
      bindings: { ...ON, TRANSCRIBE_LANGUAGE_OPTIONS: "en-US,fr-FR", TRANSCRIBE_MONTHLY_MINUTES: "30" },
    });
    expect(on.body.captions).toEqual({
      enabled: true,
      languages: ["en-US", "fr-FR"],
      maxDurationS: 14400,
      monthlyMinutes: 30,
    });
    const credentials = await callJson<{ captions: { enabled: boolean } }>("GET", "/api/v1/capabilities", {
      bindings: { AWS_ACCESS_KEY_ID: "AKIAEXAMPLE" },
    });
    expect(credentials.body.captions.enabled).toBe(true);
    const switched = await callJson<{ captions: { enabled: boolean } }>("GET", "/api/v1/capabilities", {
      bindings: { ...ON, TRANSCRIBE_ENABLED: "false" },
    });
    expect(switched.body.captions.enabled).toBe(false);
  });
});
