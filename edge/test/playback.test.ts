import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { checkToken, gcoreMd5 } from "../../shared/playback/gcore-token.ts";
import worker from "../src/index.ts";
import { callJson, db, type ErrorJson, markReady, signUp } from "./helpers.ts";

interface PlaybackJson {
  dash: string;
  hls: string;
  poster: string;
  storyboard: string;
  subtitles: unknown[];
  expiresAt: string;
}

async function readyVideo(token: string, visibility = "public") {
  const created = await callJson<{ video: { id: string } }>("POST", "/api/v1/videos", {
    token,
    body: { title: "Playable", visibility },
  });
  const id = created.body.video.id;
  await db(sql`update videos set storage_prefix = ${`media/${id}/1-abcdef12/`},
    media = ${JSON.stringify({ dash: "manifest.mpd", hls: "master.m3u8", poster: "poster.jpg", storyboard: "storyboard.vtt" })}::jsonb
    where id = ${id}`);
  await markReady(id);
  return id;
}

const tokenOf = (url: string, ip?: string) => {
  const u = new URL(url);
  return checkToken(
    { path: u.pathname, md5: u.searchParams.get("md5"), expires: u.searchParams.get("expires"), ip },
    env.CDN_TOKEN_SECRET,
  );
};

describe("Gcore token in workerd", () => {
  it("computes MD5 with node:crypto under nodejs_compat exactly as Gcore's OpenSSL recipe does", () => {
    // echo -n "2147483647/live/133529_2/ secret_key" | openssl md5 -binary | openssl base64 | tr +/ -_ | tr -d =
    expect(gcoreMd5({ expires: 2147483647, path: "/live/133529_2/", secret: "secret_key" })).toBe(
      "s_JJVhxaJ0O3RoFp6q_y1A",
    );
    // Non-ASCII paths are hashed as UTF-8.
    expect(gcoreMd5({ expires: 1, path: "/ü/", secret: "s" })).toBe("BB2oZDBg2flYUAhJmnAxpA");
  });
});

describe("GET /api/v1/videos/:id/playback", () => {
  it("returns CDN URLs signed with Gcore's token for the video's directory", async () => {
    const owner = await signUp();
    const id = await readyVideo(owner.accessToken);
    const res = await callJson<PlaybackJson>("GET", `/api/v1/videos/${id}/playback`);
    expect(res.status).toBe(200);
    const dir = `https://cdn.example.test/media/${id}/1-abcdef12/`;
    expect(res.body.dash.startsWith(`${dir}manifest.mpd?md5=`)).toBe(true);
    expect(res.body.hls.startsWith(`${dir}master.m3u8?md5=`)).toBe(true);
    expect(res.body.poster.startsWith(`${dir}poster.jpg?`)).toBe(true);
    expect(res.body.storyboard.startsWith(`${dir}storyboard.vtt?`)).toBe(true);
    expect(res.body.subtitles).toEqual([]);
    for (const url of [res.body.dash, res.body.hls, res.body.poster, res.body.storyboard])
      expect(tokenOf(url)).toBe("ok");
    // The one token covers every file of the directory, and nothing outside it.
    const query = new URL(res.body.dash).search;
    expect(tokenOf(`${dir}seg-0-00001.m4s${query}`)).toBe("ok");
    expect(tokenOf(`${dir}sub/seg.m4s${query}`)).toBe("invalid");
    expect(tokenOf(`https://cdn.example.test/media/other/1/manifest.mpd${query}`)).toBe("invalid");
    const expires = Number(new URL(res.body.dash).searchParams.get("expires"));
    expect(expires * 1000).toBe(Date.parse(res.body.expiresAt));
    expect(expires - Date.now() / 1000).toBeGreaterThan(6 * 3600 - 60);
  });

  it("answers 409 video_not_ready while the video is processing", async () => {
    const owner = await signUp();
    const created = await callJson<{ video: { id: string } }>("POST", "/api/v1/videos", {
      token: owner.accessToken,
      body: { title: "Not yet", visibility: "public" },
    });
    const res = await callJson<ErrorJson>("GET", `/api/v1/videos/${created.body.video.id}/playback`, {
      token: owner.accessToken,
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("video_not_ready");
  });

  it("refuses a private video's playback to everyone but its owner", async () => {
    const owner = await signUp();
    const stranger = await signUp();
    const id = await readyVideo(owner.accessToken, "private");
    expect((await callJson("GET", `/api/v1/videos/${id}/playback`)).status).toBe(404);
    expect(
      (await callJson("GET", `/api/v1/videos/${id}/playback`, { token: stranger.accessToken })).status,
    ).toBe(404);
    expect(
      (await callJson("GET", `/api/v1/videos/${id}/playback`, { token: owner.accessToken })).status,
    ).toBe(200);
  });

  it("binds the token to the viewer's IP when PLAYBACK_BIND_IP is on", async () => {
    const owner = await signUp();
    const id = await readyVideo(owner.accessToken);
    const ctx = createExecutionContext();
    const response = await worker.fetch(
      new Request(`http://edge.test/api/v1/videos/${id}/playback`, {
        headers: { "cf-connecting-ip": "203.0.113.7" },
      }),
      { ...env, PLAYBACK_BIND_IP: "true" },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    const body = (await response.json()) as PlaybackJson;
    expect(tokenOf(body.dash, "203.0.113.7")).toBe("ok");
    expect(tokenOf(body.dash, "203.0.113.8")).toBe("invalid");
    expect(tokenOf(body.dash)).toBe("invalid");
  });
});

describe("first playable: playback while the rest of the ladder is encoded", () => {
  async function processingWithFirstRendition(token: string) {
    const created = await callJson<{ video: { id: string } }>("POST", "/api/v1/videos", {
      token,
      body: { title: "Arriving", visibility: "public" },
    });
    const id = created.body.video.id;
    const playableAt = new Date(Date.now() - 1000).toISOString();
    await db(sql`update videos set status = 'processing', progress = 40, storage_prefix = ${`media/${id}/1-abcdef12/`},
      media = ${JSON.stringify({ dash: "manifest-first.mpd", hls: "master-first.m3u8", poster: "poster.jpg", storyboard: null, playableAt })}::jsonb
      where id = ${id}`);
    return { id, playableAt };
  }

  it("the owner gets playback URLs for the first rendition, and the video says playable since when", async () => {
    const owner = await signUp();
    const { id, playableAt } = await processingWithFirstRendition(owner.accessToken);
    const video = await callJson<{ status: string; playable: boolean; playableAt: string }>(
      "GET",
      `/api/v1/videos/${id}`,
      { token: owner.accessToken },
    );
    expect(video.body).toMatchObject({ status: "processing", playable: true, playableAt });
    const res = await callJson<PlaybackJson>("GET", `/api/v1/videos/${id}/playback`, {
      token: owner.accessToken,
    });
    expect(res.status).toBe(200);
    expect(res.body.dash).toContain("/manifest-first.mpd?md5=");
    expect(tokenOf(res.body.dash)).toBe("ok");
  });

  it("a processing video without published media is not playable (409 video_not_ready)", async () => {
    const owner = await signUp();
    const created = await callJson<{ video: { id: string; playable: boolean } }>("POST", "/api/v1/videos", {
      token: owner.accessToken,
      body: { title: "Not yet", visibility: "public" },
    });
    expect(created.body.video.playable).toBe(false);
    const id = created.body.video.id;
    await db(sql`update videos set status = 'processing' where id = ${id}`);
    const res = await callJson<ErrorJson>("GET", `/api/v1/videos/${id}/playback`, {
      token: owner.accessToken,
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("video_not_ready");
  });

  it("others see it once it is ready, as before (404 while processing)", async () => {
    const owner = await signUp();
    const { id } = await processingWithFirstRendition(owner.accessToken);
    const stranger = await signUp();
    expect((await callJson("GET", `/api/v1/videos/${id}/playback`)).status).toBe(404);
    expect(
      (await callJson("GET", `/api/v1/videos/${id}/playback`, { token: stranger.accessToken })).status,
    ).toBe(404);
  });
});
