import { sql } from "drizzle-orm";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { callJson, db, type ErrorJson, makeAdmin, markReady, signUp } from "./helpers.ts";

interface VideoJson {
  id: string;
  ownerId: string;
  title: string;
  visibility: string;
  status: string;
  progress: number;
  renditions: unknown[];
  subtitles: unknown[];
  error: unknown;
}
interface Created {
  video: VideoJson;
  upload: { endpoint: string; token: string; expiresAt: string; maxBytes: number };
}

async function createVideo(token: string, body: Record<string, unknown> = {}) {
  const res = await callJson<Created>("POST", "/api/v1/videos", {
    token,
    body: { title: "A film", visibility: "public", ...body },
  });
  if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  return res.body;
}

describe("POST /api/v1/videos", () => {
  it("creates a video awaiting upload and an upload token bound to it, its owner and a max size", async () => {
    const owner = await signUp();
    const res = await callJson<Created>("POST", "/api/v1/videos", {
      token: owner.accessToken,
      body: {
        title: "  Holiday  ",
        description: "Sea",
        visibility: "unlisted",
        language: "en",
        translateTo: ["fr", "de"],
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.video).toMatchObject({
      ownerId: owner.user.id,
      title: "Holiday",
      visibility: "unlisted",
      status: "awaiting_upload",
      progress: 0,
      renditions: [],
      subtitles: [],
      error: null,
    });
    expect(res.body.upload).toMatchObject({ endpoint: "http://127.0.0.1:1080/files/", maxBytes: 1073741824 });
    const claims = decodeJwt(res.body.upload.token);
    expect(claims).toMatchObject({
      aud: "movio-upload",
      sub: owner.user.id,
      vid: res.body.video.id,
      max: 1073741824,
    });
    expect(Date.parse(res.body.upload.expiresAt)).toBeGreaterThan(Date.now());
  });

  it("needs a signed-in user", async () => {
    const res = await callJson<ErrorJson>("POST", "/api/v1/videos", {
      body: { title: "x", visibility: "public" },
    });
    expect(res.status).toBe(401);
  });

  it("refuses an unknown visibility and a bad language tag", async () => {
    const owner = await signUp();
    for (const body of [
      { title: "x", visibility: "friends" },
      { title: "x", visibility: "public", language: "English" },
    ]) {
      const res = await callJson<ErrorJson>("POST", "/api/v1/videos", { token: owner.accessToken, body });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
  });
});

describe("GET /api/v1/videos (public catalog)", () => {
  it("lists only public, ready, undeleted videos, newest first, with a cursor stable under inserts", async () => {
    const owner = await signUp();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { video } = await createVideo(owner.accessToken, { title: `Public ${i}` });
      await markReady(video.id);
      ids.push(video.id);
    }
    const notReady = await createVideo(owner.accessToken, { title: "Still processing" });
    const unlisted = await createVideo(owner.accessToken, { visibility: "unlisted" });
    await markReady(unlisted.video.id);
    const priv = await createVideo(owner.accessToken, { visibility: "private" });
    await markReady(priv.video.id);

    const seen: string[] = [];
    const first = await callJson<{ items: VideoJson[]; nextCursor: string | null }>(
      "GET",
      "/api/v1/videos?limit=2",
    );
    expect(first.status).toBe(200);
    seen.push(...first.body.items.map((v) => v.id));
    // A new ready video appears between pages: it must not shift or repeat anything.
    const late = await createVideo(owner.accessToken, { title: "Late" });
    await markReady(late.video.id);
    let cursor = first.body.nextCursor;
    while (cursor && seen.length < 200) {
      const page = await callJson<{ items: VideoJson[]; nextCursor: string | null }>(
        "GET",
        `/api/v1/videos?limit=2&cursor=${cursor}`,
      );
      seen.push(...page.body.items.map((v) => v.id));
      cursor = page.body.nextCursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    const ours = seen.filter((id) => ids.includes(id));
    expect(ours).toEqual([...ids].reverse());
    for (const hidden of [notReady.video.id, unlisted.video.id, priv.video.id, late.video.id]) {
      expect(seen).not.toContain(hidden);
    }
  });
});

describe("GET /api/v1/me/videos", () => {
  it("lists the caller's own videos in every status and nobody else's", async () => {
    const owner = await signUp();
    const other = await signUp();
    const a = await createVideo(owner.accessToken, { visibility: "private" });
    const b = await createVideo(owner.accessToken);
    await createVideo(other.accessToken);
    const res = await callJson<{ items: VideoJson[] }>("GET", "/api/v1/me/videos", {
      token: owner.accessToken,
    });
    expect(res.status).toBe(200);
    expect(res.body.items.map((v) => v.id)).toEqual([b.video.id, a.video.id]);
    expect((await callJson("GET", "/api/v1/me/videos")).status).toBe(401);
  });
});

describe("GET|PATCH|DELETE /api/v1/videos/:id", () => {
  it("shows public and unlisted videos to anyone once ready, and only to the owner before", async () => {
    const owner = await signUp();
    const stranger = await signUp();
    const { video } = await createVideo(owner.accessToken, { visibility: "unlisted" });
    expect((await callJson("GET", `/api/v1/videos/${video.id}`)).status).toBe(404);
    expect((await callJson("GET", `/api/v1/videos/${video.id}`, { token: owner.accessToken })).status).toBe(
      200,
    );
    await markReady(video.id);
    const anonymous = await callJson<VideoJson>("GET", `/api/v1/videos/${video.id}`);
    expect(anonymous.status).toBe(200);
    expect(anonymous.body.status).toBe("ready");
    expect(
      (await callJson("GET", `/api/v1/videos/${video.id}`, { token: stranger.accessToken })).status,
    ).toBe(200);
  });

  it("hides another user's private video on every :id route (404, never 403)", async () => {
    const owner = await signUp();
    const stranger = await signUp();
    const { video } = await createVideo(owner.accessToken, { visibility: "private" });
    await markReady(video.id);
    const path = `/api/v1/videos/${video.id}`;
    const get = await callJson<ErrorJson>("GET", path, { token: stranger.accessToken });
    const patch = await callJson<ErrorJson>("PATCH", path, {
      token: stranger.accessToken,
      body: { title: "mine" },
    });
    const del = await callJson<ErrorJson>("DELETE", path, { token: stranger.accessToken });
    const anonymous = await callJson<ErrorJson>("GET", path);
    for (const res of [get, patch, del, anonymous]) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("not_found");
    }
    const still = await callJson<VideoJson>("GET", path, { token: owner.accessToken });
    expect(still.body.title).toBe("A film");
  });

  it("lets only the owner or an admin change a public video (403 for others)", async () => {
    const owner = await signUp();
    const stranger = await signUp();
    const admin = await signUp();
    await makeAdmin(admin.user.id);
    const adminSession = await callJson<{ accessToken: string }>("POST", "/api/v1/auth/login", {
      body: { email: admin.user.email, password: admin.password },
    });
    const { video } = await createVideo(owner.accessToken);
    await markReady(video.id);
    const path = `/api/v1/videos/${video.id}`;

    const denied = await callJson<ErrorJson>("PATCH", path, {
      token: stranger.accessToken,
      body: { title: "Hijacked" },
    });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe("forbidden");
    expect((await callJson<ErrorJson>("DELETE", path, { token: stranger.accessToken })).status).toBe(403);

    const mine = await callJson<VideoJson>("PATCH", path, {
      token: owner.accessToken,
      body: { title: "Renamed" },
    });
    expect(mine.status).toBe(200);
    expect(mine.body.title).toBe("Renamed");
    const byAdmin = await callJson<VideoJson>("PATCH", path, {
      token: adminSession.body.accessToken,
      body: { visibility: "private" },
    });
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body.visibility).toBe("private");
    expect((await callJson("GET", path)).status).toBe(404);
  });

  it("refuses an empty or unknown-field PATCH", async () => {
    const owner = await signUp();
    const { video } = await createVideo(owner.accessToken);
    const path = `/api/v1/videos/${video.id}`;
    for (const body of [{}, { status: "ready" }]) {
      const res = await callJson<ErrorJson>("PATCH", path, { token: owner.accessToken, body });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
    const unchanged = await callJson<VideoJson>("GET", path, { token: owner.accessToken });
    expect(unchanged.body.status).toBe("awaiting_upload");
  });

  it("delete hides the video at once and leaves a purge job for the farm", async () => {
    const owner = await signUp();
    const { video } = await createVideo(owner.accessToken);
    await markReady(video.id);
    const path = `/api/v1/videos/${video.id}`;
    expect((await callJson("DELETE", path, { token: owner.accessToken })).status).toBe(204);
    expect((await callJson("GET", path, { token: owner.accessToken })).status).toBe(404);
    expect((await callJson("DELETE", path, { token: owner.accessToken })).status).toBe(404);
    const jobs = await db<{ type: string; state: string; payload: unknown; priority: number }>(
      sql`select type, state, payload, priority from jobs where video_id = ${video.id}`,
    );
    // Enqueued through shared/jobs: its payload schema and the type's priority.
    expect(jobs).toEqual([{ type: "purge_video", state: "queued", payload: {}, priority: 10 }]);
    const rows = await db<{ deleted: boolean }>(
      sql`select deleted_at is not null as deleted from videos where id = ${video.id}`,
    );
    expect(rows).toEqual([{ deleted: true }]);
  });

  it("shows the renditions and duration the farm recorded, highest first, in item and list", async () => {
    const owner = await signUp();
    const { video } = await createVideo(owner.accessToken);
    await db(sql`
      insert into renditions (video_id, kind, representation_id, width, height, bandwidth, codecs) values
        (${video.id}, 'video', '1', 640, 360, 800000, 'avc1.64001e'),
        (${video.id}, 'video', '0', 1280, 720, 2800000, 'avc1.64001f'),
        (${video.id}, 'audio', '2', null, null, 128000, 'mp4a.40.2')`);
    await db(sql`update videos set duration_ms = 5000 where id = ${video.id}`);
    await markReady(video.id);
    const one = await callJson<VideoJson & { durationMs: number }>("GET", `/api/v1/videos/${video.id}`);
    expect(one.body.durationMs).toBe(5000);
    expect(one.body.renditions).toEqual([
      { height: 720, width: 1280, bandwidth: 2800000, codecs: "avc1.64001f" },
      { height: 360, width: 640, bandwidth: 800000, codecs: "avc1.64001e" },
    ]);
    const mine = await callJson<{ items: VideoJson[] }>("GET", "/api/v1/me/videos", {
      token: owner.accessToken,
    });
    expect(mine.body.items[0]?.renditions).toHaveLength(2);
  });

  it("answers 404 for an id that never existed", async () => {
    const res = await callJson<ErrorJson>("GET", `/api/v1/videos/${crypto.randomUUID()}`);
    expect(res.status).toBe(404);
  });
});
