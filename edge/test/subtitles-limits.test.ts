/**
 * Bounds on subtitles: tracks per video (SUBTITLE_MAX_TRACKS → 409 too_many_tracks), cues per
 * track (SUBTITLE_MAX_CUES → 413 too_many_cues), and language tags canonicalised with
 * private-use and unknown subtags refused (400).
 */
import { describe, expect, it } from "vitest";
import { callJson, type ErrorJson } from "./helpers.ts";
import {
  type CuesJson,
  insertTrack,
  jobsOf,
  ownerWithVideo,
  putSubtitle,
  SRT,
  type TrackJson,
} from "./subtitle-helpers.ts";

const LIMITS: Record<string, string> = { SUBTITLE_MAX_TRACKS: "3", SUBTITLE_MAX_CUES: "3" };
const ON = { ...LIMITS, AWS_TRANSLATE_ENDPOINT: "http://127.0.0.1:9" };

/** An SRT file of `n` one-second cues. */
function srtOf(n: number): string {
  const time = (s: number) =>
    `00:${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")},000`;
  return Array.from({ length: n }, (_, i) => `${i + 1}\n${time(i)} --> ${time(i + 1)}\nLine ${i}\n`).join(
    "\n",
  );
}

const translate = (videoId: string, token: string, to: string[], bindings: Record<string, string>) =>
  callJson<ErrorJson & { queued: string[] }>("POST", `/api/v1/videos/${videoId}/subtitles/en/translations`, {
    token,
    body: { to },
    bindings,
  });

describe("subtitle tracks per video", () => {
  it("refuses a new track past SUBTITLE_MAX_TRACKS (409 too_many_tracks); replacing one still works", async () => {
    const { owner, videoId } = await ownerWithVideo();
    await insertTrack(videoId, { lang: "de", origin: "embedded" }, [{ startMs: 0, endMs: 1, text: "d" }]);
    for (const lang of ["en", "fr"]) {
      expect((await putSubtitle(owner.accessToken, videoId, lang, SRT, { bindings: LIMITS })).status).toBe(
        201,
      );
    }
    const publishes = (await jobsOf(videoId, "publish_subtitles")).length;
    const refused = await putSubtitle<ErrorJson>(owner.accessToken, videoId, "it", SRT, { bindings: LIMITS });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("too_many_tracks");
    expect(refused.body.error.message).toMatch(/at most 3 subtitle tracks \(SUBTITLE_MAX_TRACKS\)/);
    expect(await jobsOf(videoId, "publish_subtitles")).toHaveLength(publishes);
    // The language's own track can be replaced at the limit.
    expect((await putSubtitle(owner.accessToken, videoId, "fr", SRT, { bindings: LIMITS })).status).toBe(200);
    const list = await callJson<{ items: TrackJson[] }>("GET", `/api/v1/videos/${videoId}/subtitles`);
    expect(list.body.items.map((t) => t.lang).sort()).toEqual(["de", "en", "fr"]);
  });

  it("gives the last place to one of two concurrent uploads, never to both", async () => {
    const { owner, videoId } = await ownerWithVideo();
    await insertTrack(videoId, { lang: "de", origin: "embedded" }, [{ startMs: 0, endMs: 1, text: "d" }]);
    await insertTrack(videoId, { lang: "es", origin: "embedded" }, [{ startMs: 0, endMs: 1, text: "e" }]);
    const results = await Promise.all(
      ["it", "nl", "pl"].map((lang) =>
        putSubtitle(owner.accessToken, videoId, lang, SRT, { bindings: LIMITS }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    const list = await callJson<{ items: TrackJson[] }>("GET", `/api/v1/videos/${videoId}/subtitles`);
    expect(list.body.items).toHaveLength(3);
  });

  it("refuses translations that would pass the limit, all of them, and queues nothing", async () => {
    const { owner, videoId } = await ownerWithVideo();
    await putSubtitle(owner.accessToken, videoId, "en", SRT, { bindings: ON });
    await insertTrack(videoId, { lang: "fr", origin: "machine" }, [{ startMs: 0, endMs: 1, text: "f" }]);
    const refused = await translate(videoId, owner.accessToken, ["fr", "es", "it"], ON);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("too_many_tracks");
    expect(await jobsOf(videoId, "translate_subtitles")).toHaveLength(0);
    // Re-translating an existing target and adding one that fits are fine.
    const ok = await translate(videoId, owner.accessToken, ["fr", "es"], ON);
    expect(ok.status).toBe(202);
    expect(ok.body.queued).toEqual(["fr", "es"]);
  });

  it("answers someone else 403 (public) or 404 (private), not the limit", async () => {
    for (const visibility of ["public", "private"] as const) {
      const { owner, other, videoId } = await ownerWithVideo(visibility);
      for (const lang of ["en", "fr", "de"]) await putSubtitle(owner.accessToken, videoId, lang, SRT);
      const res = await putSubtitle<ErrorJson>(other.accessToken, videoId, "it", SRT, { bindings: LIMITS });
      expect(res.status).toBe(visibility === "public" ? 403 : 404);
    }
  });
});

describe("cues per track", () => {
  it("refuses a file with more than SUBTITLE_MAX_CUES cues (413 too_many_cues), storing nothing", async () => {
    const { owner, videoId } = await ownerWithVideo();
    const res = await putSubtitle<ErrorJson>(owner.accessToken, videoId, "en", srtOf(4), {
      bindings: LIMITS,
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("too_many_cues");
    expect(res.body.error.message).toMatch(/4 cues; a track holds at most 3 \(SUBTITLE_MAX_CUES\)/);
    expect((await callJson("GET", `/api/v1/videos/${videoId}/subtitles/en`)).status).toBe(404);
    expect((await putSubtitle(owner.accessToken, videoId, "en", srtOf(3), { bindings: LIMITS })).status).toBe(
      201,
    );
  });

  it("refuses cue edits that would add past the limit (413), leaving the track as it was", async () => {
    const { owner, videoId } = await ownerWithVideo();
    await putSubtitle(owner.accessToken, videoId, "en", srtOf(3), { bindings: LIMITS });
    const res = await callJson<ErrorJson>("PATCH", `/api/v1/videos/${videoId}/subtitles/en/cues`, {
      token: owner.accessToken,
      body: { add: [{ startMs: 5000, endMs: 6000, text: "One more" }] },
      bindings: LIMITS,
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("too_many_cues");
    const cues = await callJson<CuesJson>("GET", `/api/v1/videos/${videoId}/subtitles/en`);
    expect(cues.body.cues).toHaveLength(3);
  });
});

describe("language tags", () => {
  it("are canonicalised: EN-us → en-US, iw → he, zh_hant_tw → zh-Hant-TW", async () => {
    const { owner, videoId } = await ownerWithVideo();
    for (const [raw, canonical] of [
      ["EN-us", "en-US"],
      ["iw", "he"],
      ["zh_hant_tw", "zh-Hant-TW"],
    ]) {
      const res = await putSubtitle(owner.accessToken, videoId, raw!, SRT);
      expect(res.status, raw).toBe(201);
      expect(res.body.lang).toBe(canonical);
    }
    // One language, one track, whatever the spelling.
    expect((await putSubtitle(owner.accessToken, videoId, "en-us", SRT)).status).toBe(200);
  });

  it("refuse private-use and unknown subtags with 400", async () => {
    const { owner, videoId } = await ownerWithVideo();
    for (const tag of [
      "en-x-private",
      "qaa",
      "qtz",
      "en-AA",
      "en-XA",
      "en-ZZ",
      "en-Qaaa",
      "en-abcde",
      "en-u-ca-gregory",
    ]) {
      const res = await putSubtitle<ErrorJson>(owner.accessToken, videoId, tag, SRT);
      expect(res.status, tag).toBe(400);
      expect(res.body.error.code, tag).toBe("validation_failed");
    }
    await putSubtitle(owner.accessToken, videoId, "en", SRT);
    const res = await translate(videoId, owner.accessToken, ["fr", "x-klingon"], ON);
    expect(res.status).toBe(400);
    const other = await translate(videoId, owner.accessToken, ["de-QM"], ON);
    expect(other.status).toBe(400);
    expect(await jobsOf(videoId, "translate_subtitles")).toHaveLength(0);
    const list = await callJson<{ items: TrackJson[] }>("GET", `/api/v1/videos/${videoId}/subtitles`);
    expect(list.body.items.map((t) => t.lang)).toEqual(["en"]);
  });
});
