/** PUT /api/v1/videos/:id/subtitles/:lang: uploading a subtitle file. */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { call, callJson, createVideo, db, type ErrorJson, makeAdmin, signUp } from "./helpers.ts";
import { type CuesJson, jobsOf, ownerWithVideo, putSubtitle, SRT, utf16le } from "./subtitle-helpers.ts";

describe("PUT /api/v1/videos/:id/subtitles/:lang", () => {
  it("stores an uploaded, ready track with its cues and queues a publish (201)", async () => {
    const { owner, videoId } = await ownerWithVideo();
    const res = await putSubtitle(owner.accessToken, videoId, "fr", SRT);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      lang: "fr",
      label: "Français",
      kind: "subtitles",
      origin: "uploaded",
      status: "ready",
      isDefault: false,
      isForced: false,
      cueCount: 2,
    });
    const cues = await callJson<CuesJson>("GET", `/api/v1/videos/${videoId}/subtitles/fr`);
    expect(cues.body.cues).toEqual([
      { index: 0, startMs: 1000, endMs: 2000, text: "Hello" },
      { index: 1, startMs: 3000, endMs: 4500, text: "<i>World</i>" },
    ]);
    const jobs = await jobsOf(videoId, "publish_subtitles");
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ payload: {}, state: "queued" });
  });

  it("replaces the language's uploaded track (200, same id), keeping label and kind unless given", async () => {
    const { owner, videoId } = await ownerWithVideo();
    const first = await putSubtitle(owner.accessToken, videoId, "en", SRT, {
      query: "?label=Director&kind=captions",
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ label: "Director", kind: "captions" });
    const vtt = "WEBVTT\n\n00:00:05.000 --> 00:00:06.000\nOnly one\n";
    const second = await putSubtitle(owner.accessToken, videoId, "en", vtt, { type: "text/vtt" });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({
      id: first.body.id,
      label: "Director",
      kind: "captions",
      cueCount: 1,
    });
    const third = await putSubtitle(owner.accessToken, videoId, "en", vtt, {
      query: "?kind=subtitles&label=Plain",
    });
    expect(third.body).toMatchObject({ id: first.body.id, label: "Plain", kind: "subtitles" });
    const cues = await callJson<CuesJson>("GET", `/api/v1/videos/${videoId}/subtitles/en`);
    expect(cues.body.cues).toEqual([{ index: 0, startMs: 5000, endMs: 6000, text: "Only one" }]);
    const [count] = await db<{ n: string }>(
      sql`select count(*) as n from subtitle_tracks where video_id = ${videoId}`,
    );
    expect(Number(count!.n)).toBe(1);
    expect(await jobsOf(videoId, "publish_subtitles")).toHaveLength(3);
  });

  it("reads UTF-16 with a BOM and CRLF, UTF-8 with a BOM, and any accepted content type", async () => {
    const { owner, videoId } = await ownerWithVideo();
    const vtt = "WEBVTT\r\n\r\nNOTE made on Windows\r\n\r\n00:01.000 --> 00:02.000\r\nÉté à Paris\r\n";
    const utf16 = await putSubtitle(owner.accessToken, videoId, "fr", utf16le(vtt), {
      type: "application/octet-stream",
    });
    expect(utf16.status).toBe(201);
    const fr = await callJson<CuesJson>("GET", `/api/v1/videos/${videoId}/subtitles/fr`);
    expect(fr.body.cues).toEqual([{ index: 0, startMs: 1000, endMs: 2000, text: "Été à Paris" }]);
    const bom = await putSubtitle(owner.accessToken, videoId, "de", `\uFEFF${SRT.replace(/\n/g, "\r\n")}`, {
      type: "text/plain; charset=utf-8",
    });
    expect(bom.body.cueCount).toBe(2);
    for (const [lang, type] of [
      ["es", "text/vtt"],
      ["it", ""],
      ["nl", "application/x-subrip"],
    ] as const) {
      expect((await putSubtitle(owner.accessToken, videoId, lang, SRT, { type })).status, type).toBe(201);
    }
  });

  it("canonicalises the language: pt_br is pt-BR, eng is en", async () => {
    const { owner, videoId } = await ownerWithVideo();
    const br = await putSubtitle(owner.accessToken, videoId, "pt_br", SRT);
    expect(br.body).toMatchObject({ lang: "pt-BR", label: "Português (Brasil)" });
    expect((await putSubtitle(owner.accessToken, videoId, "PT-br", SRT)).status).toBe(200);
    expect((await putSubtitle(owner.accessToken, videoId, "eng", SRT)).body.lang).toBe("en");
  });

  it("refuses a tag that is no language (400), und (400) and a wrong content type (415)", async () => {
    const { owner, videoId } = await ownerWithVideo();
    for (const lang of ["english", "xx", "und", "e1"]) {
      const res = await putSubtitle(owner.accessToken, videoId, lang, SRT);
      expect(res.status, lang).toBe(400);
      expect((res.body as unknown as ErrorJson).error.code, lang).toBe("validation_failed");
    }
    for (const type of ["application/json", "application/x-www-form-urlencoded", "image/png"]) {
      const res = await putSubtitle(owner.accessToken, videoId, "en", SRT, { type });
      expect(res.status, type).toBe(415);
    }
  });

  it("answers 422 subtitle_invalid naming the first bad line", async () => {
    const { owner, videoId } = await ownerWithVideo();
    const broken =
      "1\r\n00:00:01,000 --> 00:00:02,000\r\nA\r\n\r\n2\r\n00:00:03,000 -> 00:00:04,000\r\nB\r\n";
    const res = await callJson<ErrorJson>("PUT", `/api/v1/videos/${videoId}/subtitles/en`, {
      token: owner.accessToken,
      headers: { "content-type": "application/x-subrip" },
      rawBody: broken,
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("subtitle_invalid");
    expect(res.body.error.message).toMatch(/line 6: expected a timing line/);
    expect(res.body.error.details).toMatchObject({ line: 6 });
    for (const file of ["", "just some text", "WEBVTT\n\nNOTE only a note\n"]) {
      const bad = await callJson<ErrorJson>("PUT", `/api/v1/videos/${videoId}/subtitles/en`, {
        token: owner.accessToken,
        headers: { "content-type": "text/vtt" },
        rawBody: file,
      });
      expect(bad.status, file).toBe(422);
      expect(bad.body.error.code).toBe("subtitle_invalid");
    }
    expect(await jobsOf(videoId, "publish_subtitles")).toHaveLength(0);
  });

  it("refuses files over SUBTITLE_MAX_BYTES (413), declared or streamed without a length", async () => {
    const { owner, videoId } = await ownerWithVideo();
    const bindings = { SUBTITLE_MAX_BYTES: "100" };
    const big = `${SRT}\n${"3\n00:00:05,000 --> 00:00:06,000\nPadding padding padding\n\n".repeat(5)}`;
    const declared = await putSubtitle(owner.accessToken, videoId, "en", big, { bindings });
    expect(declared.status).toBe(413);
    expect((declared.body as unknown as ErrorJson).error.code).toBe("payload_too_large");
    // No Content-Length: the edge stops reading past the limit.
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        if (pulled > 1000) controller.close();
        else controller.enqueue(new TextEncoder().encode(big));
      },
    });
    const res = await call("PUT", `/api/v1/videos/${videoId}/subtitles/en`, {
      token: owner.accessToken,
      headers: { "content-type": "text/vtt" },
      rawBody: stream as unknown as Uint8Array,
      bindings,
    });
    expect(res.status).toBe(413);
    expect(pulled).toBeLessThan(10);
    expect((await putSubtitle(owner.accessToken, videoId, "en", SRT, { bindings })).status).toBe(201);
  });

  it("trims cues past the video's end: dropped when they start after it, clipped when they run over", async () => {
    const { owner, videoId } = await ownerWithVideo();
    await db(sql`update videos set duration_ms = 3500 where id = ${videoId}`);
    const srt = `${SRT}\n3\n00:00:04,000 --> 00:00:05,000\nAfter the end\n`;
    const res = await putSubtitle(owner.accessToken, videoId, "en", srt);
    expect(res.body.cueCount).toBe(2);
    const cues = await callJson<CuesJson>("GET", `/api/v1/videos/${videoId}/subtitles/en`);
    expect(cues.body.cues.map((c) => [c.startMs, c.endMs])).toEqual([
      [1000, 2000],
      [3000, 3500],
    ]);
    const late = "1\n00:00:10,000 --> 00:00:11,000\nLate\n";
    const refused = await putSubtitle(owner.accessToken, videoId, "de", late);
    expect(refused.status).toBe(422);
    expect((refused.body as unknown as ErrorJson).error.message).toMatch(/after the video's end/);
  });

  it("works while the video is still processing, and lists the track on the video", async () => {
    const owner = await signUp();
    const { video } = await createVideo(owner.accessToken, { visibility: "public" });
    await db(sql`update videos set status = 'processing' where id = ${video.id}`);
    const res = await putSubtitle(owner.accessToken, video.id, "en", SRT);
    expect(res.status).toBe(201);
    const got = await callJson<{ subtitles: unknown[] }>("GET", `/api/v1/videos/${video.id}`, {
      token: owner.accessToken,
    });
    expect(got.body.subtitles).toEqual([res.body]);
    const mine = await callJson<{ items: { id: string; subtitles: unknown[] }[] }>(
      "GET",
      "/api/v1/me/videos",
      {
        token: owner.accessToken,
      },
    );
    expect(mine.body.items.find((v) => v.id === video.id)?.subtitles).toEqual([res.body]);
  });

  it("is for the owner or an admin: 401 anonymous, 404 on another's private video, 403 on a public one", async () => {
    const { owner, other, videoId } = await ownerWithVideo("public");
    expect((await putSubtitle(undefined, videoId, "en", SRT)).status).toBe(401);
    expect((await putSubtitle(other.accessToken, videoId, "en", SRT)).status).toBe(403);
    const hidden = await ownerWithVideo("private");
    const res = await putSubtitle(other.accessToken, hidden.videoId, "en", SRT);
    expect(res.status).toBe(404);
    expect((res.body as unknown as ErrorJson).error.code).toBe("not_found");
    const admin = await signUp();
    await makeAdmin(admin.user.id);
    const { accessToken } = (
      await callJson<{ accessToken: string }>("POST", "/api/v1/auth/login", {
        body: { email: admin.user.email, password: admin.password },
      })
    ).body;
    expect((await putSubtitle(accessToken, hidden.videoId, "en", SRT)).status).toBe(201);
    expect((await putSubtitle(owner.accessToken, videoId, "en", SRT)).status).toBe(201);
    const none = await putSubtitle(owner.accessToken, "00000000-0000-4000-8000-000000000000", "en", SRT);
    expect(none.status).toBe(404);
    const invalid = await putSubtitle(owner.accessToken, "not-a-uuid", "en", SRT);
    expect((invalid.body as unknown as ErrorJson).error.code).toBe("invalid_id");
  });

  it("answers 404 for a deleted video", async () => {
    const { owner, videoId } = await ownerWithVideo();
    await db(sql`update videos set deleted_at = now() where id = ${videoId}`);
    expect((await putSubtitle(owner.accessToken, videoId, "en", SRT)).status).toBe(404);
  });
});
