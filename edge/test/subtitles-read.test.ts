/** GET and DELETE of subtitle tracks: the list, one track (JSON or file), who sees what, deletion. */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { call, callJson, db, type ErrorJson, makeAdmin, signUp } from "./helpers.ts";
import {
  type CuesJson,
  insertTrack,
  jobsOf,
  ownerWithVideo,
  putSubtitle,
  SRT,
  type TrackJson,
} from "./subtitle-helpers.ts";

async function adminToken(): Promise<string> {
  const admin = await signUp();
  await makeAdmin(admin.user.id);
  const res = await callJson<{ accessToken: string }>("POST", "/api/v1/auth/login", {
    body: { email: admin.user.email, password: admin.password },
  });
  return res.body.accessToken;
}

const list = (videoId: string, token?: string) =>
  callJson<{ items: TrackJson[] }>("GET", `/api/v1/videos/${videoId}/subtitles`, { token });

describe("GET /api/v1/videos/:id/subtitles", () => {
  it("lists every track with its status, error and source", async () => {
    const { owner, videoId } = await ownerWithVideo();
    expect((await list(videoId)).body).toEqual({ items: [] });
    const uploaded = (await putSubtitle(owner.accessToken, videoId, "en", SRT)).body;
    await insertTrack(videoId, { lang: null, origin: "embedded", status: "unsupported", label: "PGS" });
    await db(sql`update subtitle_tracks set error_code = 'subtitle_bitmap', error_message = 'Picture-based'
      where video_id = ${videoId} and language is null`);
    const machine = await insertTrack(videoId, { lang: "fr", origin: "machine", status: "pending" });
    await db(sql`update subtitle_tracks set source_track_id = ${uploaded.id} where id = ${machine}`);
    const res = await list(videoId);
    expect(res.status).toBe(200);
    expect(res.body.items.map((t) => [t.lang, t.origin, t.status])).toEqual([
      ["en", "uploaded", "ready"],
      ["fr", "machine", "pending"],
      [null, "embedded", "unsupported"],
    ]);
    expect(res.body.items[1]).toMatchObject({ sourceTrackId: uploaded.id });
    expect(res.body.items[2]).toMatchObject({ error: { code: "subtitle_bitmap", message: "Picture-based" } });
    expect(res.body.items[0]).not.toHaveProperty("error");
    // The video's own JSON lists the same, in the catalog too.
    const video = await callJson<{ subtitles: TrackJson[] }>("GET", `/api/v1/videos/${videoId}`);
    expect(video.body.subtitles).toEqual(res.body.items);
    const catalog = await callJson<{ items: { id: string; subtitles: TrackJson[] }[] }>(
      "GET",
      "/api/v1/videos?limit=100",
    );
    expect(catalog.body.items.find((v) => v.id === videoId)?.subtitles).toEqual(res.body.items);
  });

  it("follows the video's visibility: 404 for private or unready videos to others, the owner and admins see all", async () => {
    const priv = await ownerWithVideo("private");
    await putSubtitle(priv.owner.accessToken, priv.videoId, "en", SRT);
    expect((await list(priv.videoId)).status).toBe(404);
    expect((await list(priv.videoId, priv.other.accessToken)).status).toBe(404);
    expect((await list(priv.videoId, priv.owner.accessToken)).body.items).toHaveLength(1);
    expect((await list(priv.videoId, await adminToken())).body.items).toHaveLength(1);
    const processing = await ownerWithVideo("public", false);
    expect((await list(processing.videoId)).status).toBe(404);
    expect((await list(processing.videoId, processing.owner.accessToken)).status).toBe(200);
    const unlisted = await ownerWithVideo("unlisted");
    expect((await list(unlisted.videoId)).status).toBe(200);
    expect((await list("00000000-0000-4000-8000-000000000000")).status).toBe(404);
    expect((await list("nope")).body).toMatchObject({ error: { code: "invalid_id" } });
  });
});

describe("GET /api/v1/videos/:id/subtitles/:lang", () => {
  it("prefers uploaded over machine over embedded, or the ?origin= asked for", async () => {
    const { owner, videoId } = await ownerWithVideo();
    await insertTrack(videoId, { lang: "en", origin: "embedded" }, [
      { startMs: 0, endMs: 1, text: "embedded" },
    ]);
    const get = (query = "") => callJson<CuesJson>("GET", `/api/v1/videos/${videoId}/subtitles/en${query}`);
    expect((await get()).body.cues[0]?.text).toBe("embedded");
    await insertTrack(videoId, { lang: "en", origin: "machine" }, [
      { startMs: 0, endMs: 1, text: "machine" },
    ]);
    expect((await get()).body.cues[0]?.text).toBe("machine");
    await putSubtitle(owner.accessToken, videoId, "en", SRT);
    expect((await get()).body).toMatchObject({
      track: { origin: "uploaded" },
      cues: [{ text: "Hello" }, {}],
    });
    expect((await get("?origin=embedded")).body.track.origin).toBe("embedded");
    expect((await get("?origin=bogus")).status).toBe(400);
    expect((await callJson("GET", `/api/v1/videos/${videoId}/subtitles/eng`)).status).toBe(200);
  });

  it("serves the track as a UTF-8 .vtt or .srt file", async () => {
    const { owner, videoId } = await ownerWithVideo();
    await putSubtitle(
      owner.accessToken,
      videoId,
      "fr",
      "1\n00:00:01,000 --> 00:00:02,000\nÉté & <i>soleil</i>\n",
    );
    const vtt = await call("GET", `/api/v1/videos/${videoId}/subtitles/fr?format=vtt`);
    expect(vtt.status).toBe(200);
    expect(vtt.headers.get("content-type")).toBe("text/vtt; charset=utf-8");
    expect(await vtt.text()).toBe("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nÉté &amp; <i>soleil</i>\n");
    const srt = await call("GET", `/api/v1/videos/${videoId}/subtitles/fr?format=srt`);
    expect(srt.headers.get("content-type")).toBe("application/x-subrip; charset=utf-8");
    expect(srt.headers.get("content-disposition")).toBe('inline; filename="fr.srt"');
    expect(await srt.text()).toBe("1\n00:00:01,000 --> 00:00:02,000\nÉté & <i>soleil</i>\n");
    expect((await call("GET", `/api/v1/videos/${videoId}/subtitles/fr?format=ass`)).status).toBe(400);
  });

  it("reads a track of unknown language as und, and 404s a language without a track", async () => {
    const { videoId } = await ownerWithVideo();
    await insertTrack(videoId, { lang: null, origin: "embedded" }, [{ startMs: 0, endMs: 5, text: "?" }]);
    const und = await callJson<CuesJson>("GET", `/api/v1/videos/${videoId}/subtitles/und`);
    expect(und.body).toMatchObject({ track: { lang: null }, cues: [{ text: "?" }] });
    const missing = await callJson<ErrorJson>("GET", `/api/v1/videos/${videoId}/subtitles/de`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toMatch(/no subtitle track in de/);
    expect((await callJson<ErrorJson>("GET", `/api/v1/videos/${videoId}/subtitles/klingon`)).status).toBe(
      400,
    );
  });

  it("follows the video's visibility", async () => {
    const { owner, other, videoId } = await ownerWithVideo("private");
    await putSubtitle(owner.accessToken, videoId, "en", SRT);
    const path = `/api/v1/videos/${videoId}/subtitles/en`;
    expect((await callJson("GET", path)).status).toBe(404);
    expect((await callJson("GET", `${path}?format=vtt`, { token: other.accessToken })).status).toBe(404);
    expect((await callJson("GET", path, { token: owner.accessToken })).status).toBe(200);
    expect((await callJson("GET", path, { token: await adminToken() })).status).toBe(200);
  });
});

describe("DELETE /api/v1/videos/:id/subtitles/:lang", () => {
  it("deletes the preferred track (or ?origin=) with its cues, queues a publish, then 404s", async () => {
    const { owner, videoId } = await ownerWithVideo();
    const uploaded = (await putSubtitle(owner.accessToken, videoId, "en", SRT)).body;
    await insertTrack(videoId, { lang: "en", origin: "embedded" }, [{ startMs: 0, endMs: 1, text: "e" }]);
    const path = `/api/v1/videos/${videoId}/subtitles/en`;
    const res = await call("DELETE", path, { token: owner.accessToken });
    expect(res.status).toBe(204);
    const [cues] = await db<{ n: string }>(
      sql`select count(*) as n from subtitle_cues where track_id = ${uploaded.id}`,
    );
    expect(Number(cues!.n)).toBe(0);
    expect((await list(videoId)).body.items.map((t) => t.origin)).toEqual(["embedded"]);
    expect(await jobsOf(videoId, "publish_subtitles")).toHaveLength(2);
    expect((await call("DELETE", `${path}?origin=uploaded`, { token: owner.accessToken })).status).toBe(404);
    expect((await call("DELETE", `${path}?origin=embedded`, { token: owner.accessToken })).status).toBe(204);
    expect((await call("DELETE", path, { token: owner.accessToken })).status).toBe(404);
    expect(await jobsOf(videoId, "publish_subtitles")).toHaveLength(3);
  });

  it("is for the owner or an admin: 401, 403 on a public video, 404 on a private one", async () => {
    const { owner, other, videoId } = await ownerWithVideo("public");
    await putSubtitle(owner.accessToken, videoId, "en", SRT);
    const path = `/api/v1/videos/${videoId}/subtitles/en`;
    expect((await call("DELETE", path)).status).toBe(401);
    const forbidden = await callJson<ErrorJson>("DELETE", path, { token: other.accessToken });
    expect([forbidden.status, forbidden.body.error.code]).toEqual([403, "forbidden"]);
    const hidden = await ownerWithVideo("private");
    await putSubtitle(hidden.owner.accessToken, hidden.videoId, "en", SRT);
    const hiddenPath = `/api/v1/videos/${hidden.videoId}/subtitles/en`;
    expect((await call("DELETE", hiddenPath, { token: other.accessToken })).status).toBe(404);
    expect((await call("DELETE", hiddenPath, { token: await adminToken() })).status).toBe(204);
    expect((await list(videoId)).body.items).toHaveLength(1);
  });
});
