/** POST /api/v1/videos/:id/upload: a fresh upload ticket, and a failed video reopened. */
import { sql } from "drizzle-orm";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import {
  call,
  callJson,
  createVideo,
  db,
  type ErrorJson,
  makeAdmin,
  markReady,
  signUp,
  type UploadTicketJson,
} from "./helpers.ts";

const reissue = (id: string, token?: string) =>
  callJson<UploadTicketJson & ErrorJson>("POST", `/api/v1/videos/${id}/upload`, { token });

async function failed(videoId: string) {
  await db(sql`update videos set status = 'failed', progress = 37, error_code = 'not_a_video',
    error_message = 'no streams', source_key = ${`uploads/${videoId}`}, source_bytes = 1234,
    storage_prefix = ${`media/${videoId}/1-x/`}, duration_ms = 5000,
    media = '{"dash":"manifest.mpd","hls":"master.m3u8","poster":null,"storyboard":null}'::jsonb
    where id = ${videoId}`);
}

describe("POST /api/v1/videos/:id/upload", () => {
  it("gives the owner a new token for a video awaiting upload or uploading, without changing it", async () => {
    const owner = await signUp();
    const { video, upload } = await createVideo(owner.accessToken);
    for (const status of ["awaiting_upload", "uploading"]) {
      await db(sql`update videos set status = ${status}, progress = 12 where id = ${video.id}`);
      const res = await reissue(video.id, owner.accessToken);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(["endpoint", "expiresAt", "maxBytes", "token"]);
      expect(res.body).toMatchObject({ endpoint: upload.endpoint, maxBytes: upload.maxBytes });
      expect(decodeJwt(res.body.token)).toMatchObject({
        aud: "movio-upload",
        sub: owner.user.id,
        vid: video.id,
        max: upload.maxBytes,
      });
      expect(Date.parse(res.body.expiresAt)).toBeGreaterThan(Date.now());
      const [row] = await db<{ status: string; progress: number }>(
        sql`select status, progress from videos where id = ${video.id}`,
      );
      expect(row).toEqual({ status, progress: 12 });
    }
  });

  it("reopens a failed video: awaiting upload again, error, progress, source and media cleared", async () => {
    const owner = await signUp();
    const { video } = await createVideo(owner.accessToken);
    await failed(video.id);
    const res = await reissue(video.id, owner.accessToken);
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.token)).toMatchObject({ vid: video.id, sub: owner.user.id });
    const [row] = await db(sql`select status, progress, error_code, error_message, source_key, source_bytes,
      storage_prefix, media, duration_ms from videos where id = ${video.id}`);
    expect(row).toEqual({
      status: "awaiting_upload",
      progress: 0,
      error_code: null,
      error_message: null,
      source_key: null,
      source_bytes: null,
      storage_prefix: null,
      media: null,
      duration_ms: null,
    });
    const shown = await callJson<{ status: string; error: unknown }>("GET", `/api/v1/videos/${video.id}`, {
      token: owner.accessToken,
    });
    expect(shown.body).toMatchObject({ status: "awaiting_upload", error: null });
  });

  it("hands the failed attempt's published media to the farm when reopening, and only then", async () => {
    const owner = await signUp();
    const stranger = await signUp();
    const { video } = await createVideo(owner.accessToken);
    const retireJobs = () =>
      db<{ payload: unknown; state: string }>(
        sql`select payload, state from jobs where video_id = ${video.id} and type = 'retire_media'`,
      );
    await reissue(video.id, owner.accessToken); // awaiting upload: nothing to retire
    await failed(video.id);
    expect((await reissue(video.id, stranger.accessToken)).status).toBe(404); // refused: nothing queued
    expect(await retireJobs()).toEqual([]);
    expect((await reissue(video.id, owner.accessToken)).status).toBe(200);
    expect(await retireJobs()).toEqual([
      { payload: { prefixes: [`media/${video.id}/1-x/`] }, state: "queued" },
    ]);
    // Reopened again after a failure before any first playable: no prefix, no job.
    await db(sql`update videos set status = 'failed' where id = ${video.id}`);
    expect((await reissue(video.id, owner.accessToken)).status).toBe(200);
    expect(await retireJobs()).toHaveLength(1);
  });

  it("answers 409 upload_not_allowed while processing and once ready, changing nothing", async () => {
    const owner = await signUp();
    const { video } = await createVideo(owner.accessToken);
    await db(sql`update videos set status = 'processing', progress = 50 where id = ${video.id}`);
    const processing = await reissue(video.id, owner.accessToken);
    expect(processing.status).toBe(409);
    expect(processing.body.error.code).toBe("upload_not_allowed");
    await markReady(video.id);
    const ready = await reissue(video.id, owner.accessToken);
    expect(ready.status).toBe(409);
    expect(ready.body.error).toMatchObject({ code: "upload_not_allowed", details: { status: "ready" } });
    const [row] = await db<{ status: string }>(sql`select status from videos where id = ${video.id}`);
    expect(row?.status).toBe("ready");
  });

  it("lets an admin reissue (the token still names the owner)", async () => {
    const owner = await signUp();
    const admin = await signUp();
    await makeAdmin(admin.user.id);
    const session = await callJson<{ accessToken: string }>("POST", "/api/v1/auth/login", {
      body: { email: admin.user.email, password: admin.password },
    });
    const { video } = await createVideo(owner.accessToken, { visibility: "private" });
    await failed(video.id);
    const res = await reissue(video.id, session.body.accessToken);
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.token)).toMatchObject({ sub: owner.user.id, vid: video.id });
  });

  it("refuses others: 404 where they cannot see the video, 403 where they can but may not change it", async () => {
    const owner = await signUp();
    const stranger = await signUp();
    const hidden = await createVideo(owner.accessToken, { visibility: "private" });
    await failed(hidden.video.id);
    const notFound = await reissue(hidden.video.id, stranger.accessToken);
    expect(notFound.status).toBe(404);
    expect(notFound.body.error.code).toBe("not_found");
    const awaiting = await createVideo(owner.accessToken, { visibility: "public" });
    expect((await reissue(awaiting.video.id, stranger.accessToken)).status).toBe(404);
    const visible = await createVideo(owner.accessToken, { visibility: "public" });
    await markReady(visible.video.id);
    const forbidden = await reissue(visible.video.id, stranger.accessToken);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe("forbidden");
    // The stranger's attempts changed nothing.
    const [row] = await db<{ status: string }>(sql`select status from videos where id = ${hidden.video.id}`);
    expect(row?.status).toBe("failed");
  });

  it("needs a signed-in user, a valid id and a live video", async () => {
    const owner = await signUp();
    const { video } = await createVideo(owner.accessToken);
    const anonymous = await reissue(video.id);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe("unauthorized");
    expect((await reissue("not-a-uuid", owner.accessToken)).body.error.code).toBe("invalid_id");
    expect((await reissue(crypto.randomUUID(), owner.accessToken)).status).toBe(404);
    await callJson("DELETE", `/api/v1/videos/${video.id}`, { token: owner.accessToken });
    expect((await reissue(video.id, owner.accessToken)).status).toBe(404);
  });

  it("takes no body, and accepts an empty JSON one", async () => {
    const owner = await signUp();
    const { video } = await createVideo(owner.accessToken);
    const bare = await call("POST", `/api/v1/videos/${video.id}/upload`, { token: owner.accessToken });
    expect(bare.status).toBe(200);
    const empty = await callJson("POST", `/api/v1/videos/${video.id}/upload`, {
      token: owner.accessToken,
      body: {},
    });
    expect(empty.status).toBe(200);
  });
});
