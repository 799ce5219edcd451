/** POST /api/v1/videos/:id/subtitles/:lang/translations and GET /api/v1/capabilities. */
import { describe, expect, it } from "vitest";
import { callJson, type ErrorJson, makeAdmin, signUp } from "./helpers.ts";
import { insertTrack, jobsOf, ownerWithVideo, putSubtitle, SRT, type TrackJson } from "./subtitle-helpers.ts";

/** Translation on, as with a local TranslateText stand-in (nothing listens there: the edge never calls it). */
const ON = { AWS_TRANSLATE_ENDPOINT: "http://127.0.0.1:9" };

interface QueuedJson {
  source: TrackJson;
  queued: string[];
  tracks: TrackJson[];
}

const translate = (
  videoId: string,
  token: string | undefined,
  to: unknown,
  bindings?: Record<string, string>,
  lang = "en",
) =>
  callJson<QueuedJson & ErrorJson>("POST", `/api/v1/videos/${videoId}/subtitles/${lang}/translations`, {
    token,
    body: { to },
    bindings,
  });

describe("POST /api/v1/videos/:id/subtitles/:lang/translations", () => {
  it("answers 409 translation_unavailable when translation is off", async () => {
    const { owner, videoId } = await ownerWithVideo();
    await putSubtitle(owner.accessToken, videoId, "en", SRT);
    const res = await translate(videoId, owner.accessToken, ["fr"]);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("translation_unavailable");
    expect(await jobsOf(videoId, "translate_subtitles")).toHaveLength(0);
  });

  it("queues one job per target from the uploaded track and shows pending machine tracks (202)", async () => {
    const { owner, videoId } = await ownerWithVideo();
    await insertTrack(videoId, { lang: "en", origin: "embedded" }, [{ startMs: 0, endMs: 1, text: "e" }]);
    const uploaded = (await putSubtitle(owner.accessToken, videoId, "en", SRT)).body;
    const res = await translate(videoId, owner.accessToken, ["fr", "es", "fra", "pt_br"], ON);
    expect(res.status).toBe(202);
    expect(res.body.source).toMatchObject({ id: uploaded.id, origin: "uploaded" });
    expect(res.body.queued).toEqual(["fr", "es", "pt-BR"]);
    expect(res.body.tracks.map((t) => [t.lang, t.label, t.origin, t.status, t.sourceTrackId])).toEqual([
      ["es", "Español (auto-translated)", "machine", "pending", uploaded.id],
      ["fr", "Français (auto-translated)", "machine", "pending", uploaded.id],
      ["pt-BR", "Português (Brasil) (auto-translated)", "machine", "pending", uploaded.id],
    ]);
    const jobs = await jobsOf(videoId, "translate_subtitles");
    expect(jobs.map((j) => j.payload)).toEqual([
      { sourceTrackId: uploaded.id, to: "fr" },
      { sourceTrackId: uploaded.id, to: "es" },
      { sourceTrackId: uploaded.id, to: "pt-BR" },
    ]);
    // Asking again while queued adds no job and no track.
    expect((await translate(videoId, owner.accessToken, ["fr"], ON)).status).toBe(202);
    expect(await jobsOf(videoId, "translate_subtitles")).toHaveLength(3);
    const list = await callJson<{ items: TrackJson[] }>("GET", `/api/v1/videos/${videoId}/subtitles`);
    expect(list.body.items.filter((t) => t.origin === "machine")).toHaveLength(3);
  });

  it("translates from an embedded track when none was uploaded, and keeps a ready translation ready", async () => {
    const { owner, videoId } = await ownerWithVideo();
    const embedded = await insertTrack(videoId, { lang: "en", origin: "embedded" }, [
      { startMs: 0, endMs: 1, text: "e" },
    ]);
    await insertTrack(videoId, { lang: "de", origin: "machine" }, [{ startMs: 0, endMs: 1, text: "d" }]);
    const res = await translate(videoId, owner.accessToken, ["de"], ON);
    expect(res.body.source.id).toBe(embedded);
    expect(res.body.tracks).toMatchObject([{ lang: "de", status: "ready", sourceTrackId: embedded }]);
  });

  it("is on with AWS credentials too, by the farm's rule (a key id names them; the edge holds no secret)", async () => {
    const { owner, videoId } = await ownerWithVideo();
    await putSubtitle(owner.accessToken, videoId, "en", SRT);
    expect((await translate(videoId, owner.accessToken, ["fr"], { AWS_ACCESS_KEY_ID: "" })).status).toBe(409);
    const credentials = { AWS_ACCESS_KEY_ID: "AKIAEXAMPLE" };
    expect((await translate(videoId, owner.accessToken, ["fr"], credentials)).status).toBe(202);
    const caps = await callJson("GET", "/api/v1/capabilities", { bindings: credentials });
    expect(caps.body).toMatchObject({ translation: { enabled: true } });
  });

  it("refuses bad targets (400), a missing source (404) and a source that is not ready (409)", async () => {
    const { owner, videoId } = await ownerWithVideo();
    expect((await translate(videoId, owner.accessToken, ["fr"], ON)).status).toBe(404);
    await putSubtitle(owner.accessToken, videoId, "en", SRT);
    for (const to of [[], ["en"], ["eng"], ["xx"], ["french"], "fr", [1], Array(21).fill("fr")]) {
      const res = await translate(videoId, owner.accessToken, to, ON);
      expect(res.status, JSON.stringify(to)).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
    await insertTrack(videoId, { lang: "ja", origin: "embedded", status: "failed" });
    const failed = await translate(videoId, owner.accessToken, ["fr"], ON, "ja");
    expect([failed.status, failed.body.error.code]).toEqual([409, "conflict"]);
    expect(await jobsOf(videoId, "translate_subtitles")).toHaveLength(0);
  });

  it("is for the owner or an admin: 401, 403 on a public video, 404 on a private one", async () => {
    const { owner, other, videoId } = await ownerWithVideo("public");
    await putSubtitle(owner.accessToken, videoId, "en", SRT);
    expect((await translate(videoId, undefined, ["fr"], ON)).status).toBe(401);
    expect((await translate(videoId, other.accessToken, ["fr"], ON)).status).toBe(403);
    const hidden = await ownerWithVideo("private");
    await putSubtitle(hidden.owner.accessToken, hidden.videoId, "en", SRT);
    expect((await translate(hidden.videoId, other.accessToken, ["fr"], ON)).status).toBe(404);
    // Invisible stays invisible even with translation off: 404 before 409.
    expect((await translate(hidden.videoId, other.accessToken, ["fr"])).status).toBe(404);
    const admin = await signUp();
    await makeAdmin(admin.user.id);
    const login = await callJson<{ accessToken: string }>("POST", "/api/v1/auth/login", {
      body: { email: admin.user.email, password: admin.password },
    });
    expect((await translate(hidden.videoId, login.body.accessToken, ["fr"], ON)).status).toBe(202);
  });
});

describe("GET /api/v1/capabilities", () => {
  it("says whether translation is on, and the subtitle limits and formats", async () => {
    const off = await callJson("GET", "/api/v1/capabilities");
    expect(off.status).toBe(200);
    expect(off.body).toEqual({
      translation: { enabled: false },
      captions: { enabled: false, languages: [], maxDurationS: 14400, monthlyMinutes: 600 },
      subtitles: { maxBytes: 2097152, formats: ["vtt", "srt"] },
    });
    const on = await callJson("GET", "/api/v1/capabilities", {
      bindings: { ...ON, SUBTITLE_MAX_BYTES: "1000" },
    });
    expect(on.body).toEqual({
      translation: { enabled: true },
      captions: { enabled: false, languages: [], maxDurationS: 14400, monthlyMinutes: 600 },
      subtitles: { maxBytes: 1000, formats: ["vtt", "srt"] },
    });
  });
});

describe("deleting a pending machine track", () => {
  it("cancels its queued translation, so it does not come back; other languages go on", async () => {
    const { owner, videoId } = await ownerWithVideo();
    await putSubtitle(owner.accessToken, videoId, "en", SRT);
    expect((await translate(videoId, owner.accessToken, ["fr", "es"], ON)).status).toBe(202);
    const deleted = await callJson("DELETE", `/api/v1/videos/${videoId}/subtitles/fr?origin=machine`, {
      token: owner.accessToken,
    });
    expect(deleted.status).toBe(204);
    const jobs = await jobsOf(videoId, "translate_subtitles");
    expect(jobs.map((j) => [j.payload.to, j.state])).toEqual([
      ["fr", "cancelled"],
      ["es", "queued"],
    ]);
    // Asking again queues it anew.
    expect((await translate(videoId, owner.accessToken, ["fr"], ON)).status).toBe(202);
    expect((await jobsOf(videoId, "translate_subtitles")).filter((j) => j.state === "queued")).toHaveLength(
      2,
    );
  });
});
