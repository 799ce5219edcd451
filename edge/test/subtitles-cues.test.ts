/** PATCH /api/v1/videos/:id/subtitles/:lang/cues: fixing single cues without re-uploading. */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { call, callJson, db, type ErrorJson, makeAdmin, signUp } from "./helpers.ts";
import { type CuesJson, insertTrack, jobsOf, ownerWithVideo, putSubtitle, SRT } from "./subtitle-helpers.ts";

const patch = (videoId: string, token: string | undefined, body: unknown, lang = "en", query = "") =>
  callJson<CuesJson & ErrorJson>("PATCH", `/api/v1/videos/${videoId}/subtitles/${lang}/cues${query}`, {
    token,
    body,
  });

describe("PATCH /api/v1/videos/:id/subtitles/:lang/cues", () => {
  it("changes, adds and removes cues, re-indexes them in time order and queues a publish", async () => {
    const { owner, videoId } = await ownerWithVideo();
    await putSubtitle(owner.accessToken, videoId, "en", SRT);
    const res = await patch(videoId, owner.accessToken, {
      changes: [{ index: 1, text: "Fixed <b>line</b> & <font>more</font>", startMs: 2500 }],
      add: [{ startMs: 0, endMs: 500, text: "Opening" }],
      remove: [0],
    });
    expect(res.status).toBe(200);
    expect(res.body.track).toMatchObject({ lang: "en", cueCount: 2 });
    expect(res.body.cues).toEqual([
      { index: 0, startMs: 0, endMs: 500, text: "Opening" },
      { index: 1, startMs: 2500, endMs: 4500, text: "Fixed <b>line</b> &amp; more" },
    ]);
    const stored = await callJson<CuesJson>("GET", `/api/v1/videos/${videoId}/subtitles/en`);
    expect(stored.body).toEqual(res.body);
    expect(await jobsOf(videoId, "publish_subtitles")).toHaveLength(2);
    const file = await call("GET", `/api/v1/videos/${videoId}/subtitles/en?format=vtt`);
    expect(await file.text()).toContain("00:00:02.500 --> 00:00:04.500\nFixed <b>line</b> &amp; more");
  });

  it("edits the track of ?origin=, any origin (a machine translation too)", async () => {
    const { owner, videoId } = await ownerWithVideo();
    await putSubtitle(owner.accessToken, videoId, "fr", SRT);
    await insertTrack(videoId, { lang: "fr", origin: "machine" }, [
      { startMs: 0, endMs: 900, text: "Bonjour" },
    ]);
    const res = await patch(
      videoId,
      owner.accessToken,
      { changes: [{ index: 0, text: "Salut" }] },
      "fr",
      "?origin=machine",
    );
    expect(res.body.track.origin).toBe("machine");
    expect(res.body.cues).toEqual([{ index: 0, startMs: 0, endMs: 900, text: "Salut" }]);
  });

  it("validates indexes, times against the video's duration, text and the body's shape (400)", async () => {
    const { owner, videoId } = await ownerWithVideo();
    await putSubtitle(owner.accessToken, videoId, "en", SRT);
    await db(sql`update videos set duration_ms = 10000 where id = ${videoId}`);
    const bodies = [
      { remove: [7] },
      { changes: [{ index: 0, endMs: 999 }] },
      { add: [{ startMs: 9000, endMs: 11_000, text: "too long" }] },
      { add: [{ startMs: 1, endMs: 2, text: "   " }] },
      {},
      { changes: [], add: [], remove: [] },
      { remove: [-1] },
      { add: [{ startMs: 0, endMs: 1.5, text: "x" }] },
      { changes: [{ index: 0, colour: "red" }] },
      { add: [{ startMs: 0, endMs: 1, text: "nul\u0000" }] },
    ];
    for (const body of bodies) {
      const res = await patch(videoId, owner.accessToken, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
    expect(await jobsOf(videoId, "publish_subtitles")).toHaveLength(1);
  });

  it("answers 404 without such a track and 409 for a track that is not ready", async () => {
    const { owner, videoId } = await ownerWithVideo();
    expect((await patch(videoId, owner.accessToken, { remove: [0] })).status).toBe(404);
    await insertTrack(videoId, { lang: "de", origin: "machine", status: "pending" });
    const pending = await patch(
      videoId,
      owner.accessToken,
      { add: [{ startMs: 0, endMs: 1, text: "x" }] },
      "de",
    );
    expect([pending.status, pending.body.error.code]).toEqual([409, "conflict"]);
  });

  it("is for the owner or an admin: 401, 403 on a public video, 404 on a private one", async () => {
    const { owner, other, videoId } = await ownerWithVideo("public");
    await putSubtitle(owner.accessToken, videoId, "en", SRT);
    const body = { remove: [0] };
    expect((await patch(videoId, undefined, body)).status).toBe(401);
    expect((await patch(videoId, other.accessToken, body)).status).toBe(403);
    const hidden = await ownerWithVideo("private");
    await putSubtitle(hidden.owner.accessToken, hidden.videoId, "en", SRT);
    expect((await patch(hidden.videoId, other.accessToken, body)).status).toBe(404);
    const admin = await signUp();
    await makeAdmin(admin.user.id);
    const login = await callJson<{ accessToken: string }>("POST", "/api/v1/auth/login", {
      body: { email: admin.user.email, password: admin.password },
    });
    const res = await patch(hidden.videoId, login.body.accessToken, body);
    expect([res.status, res.body.cues?.length]).toEqual([200, 1]);
  });
});
