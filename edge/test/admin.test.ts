/**
 * The admin API (/api/v1/admin/*) on real Postgres: who may call it (401, 403, the stored
 * role, ADMIN_EMAILS, a revoke taking effect at once), what it reads (jobs with attempts and
 * stderr, nodes, stats) and what its actions do (retry, cancel, re-process), each recorded.
 * Jobs and nodes are arranged with SQL as the farm would leave them.
 */
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import {
  call,
  callJson,
  createVideo,
  db,
  type ErrorJson,
  makeAdmin,
  markReady,
  signUp,
  verifyEmail,
} from "./helpers.ts";

interface Job {
  id: number;
  type: string;
  state: string;
  videoId: string | null;
  videoTitle: string | null;
  attempts: number;
  node: string | null;
  lastError: string | null;
  hasStderr: boolean;
  payload: Record<string, unknown>;
  cancelRequestedAt: string | null;
}

let admin: Awaited<ReturnType<typeof signUp>>;
let viewer: Awaited<ReturnType<typeof signUp>>;

beforeAll(async () => {
  admin = await signUp();
  viewer = await signUp();
  await makeAdmin(admin.user.id);
});

/** A job row as the farm leaves it; returns its id. */
async function insertJob(fields: {
  type?: string;
  videoId?: string | null;
  state: string;
  attempts?: number;
  node?: string | null;
  lastError?: string | null;
  stderrTail?: string | null;
  leaseMs?: number;
  payload?: Record<string, unknown>;
}): Promise<number> {
  const rows = await db<{ id: string }>(sql`
    insert into jobs (type, video_id, payload, state, attempts, locked_by, locked_until, last_error, stderr_tail,
                      started_at, finished_at, active_key)
    values (${fields.type ?? "transcode"}, ${fields.videoId ?? null}, ${JSON.stringify(fields.payload ?? { sourceKey: "src" })}::jsonb,
            ${fields.state}, ${fields.attempts ?? 1}, ${fields.node ?? null},
            ${fields.leaseMs === undefined ? null : sql`now() + make_interval(secs => ${fields.leaseMs / 1000})`},
            ${fields.lastError ?? null}, ${fields.stderrTail ?? null}, now() - interval '5 seconds',
            ${fields.state === "queued" || fields.state === "running" ? null : sql`now()`},
            ${fields.videoId ? `${fields.type ?? "transcode"}:${fields.videoId}` : null})
    returning id`);
  return Number(rows[0]!.id);
}

/** A video whose transcode failed for good (3 attempts, ffmpeg's stderr kept). */
async function failedTranscode() {
  const { video } = await createVideo(viewer.accessToken, { title: "Failing film" });
  await db(sql`update videos set status = 'failed', error_code = 'transcode_failed', error_message = 'Processing failed: x',
    source_key = ${video.id}, source_bytes = 1000 where id = ${video.id}`);
  const id = await insertJob({
    videoId: video.id,
    state: "failed",
    attempts: 3,
    node: "node-a",
    lastError: "ffmpeg failed: Conversion failed!",
    stderrTail: "[h264 @ 0x1] error while decoding MB 4 5\nConversion failed!",
  });
  for (const attempt of [1, 2, 3]) {
    await db(sql`insert into job_attempts (job_id, attempt, node, started_at, finished_at, outcome, error, stderr_tail)
      values (${id}, ${attempt}, 'node-a', now() - interval '3 seconds', now() - interval '2 seconds',
              ${attempt < 3 ? "retry" : "failed"}, 'ffmpeg failed: Conversion failed!', 'Conversion failed!')`);
  }
  return { videoId: video.id, jobId: id };
}

const adminToken = () => ({ token: admin.accessToken });

describe("who may use the admin API", () => {
  const routes: [string, string][] = [
    ["GET", "/api/v1/admin/stats"],
    ["GET", "/api/v1/admin/jobs"],
    ["GET", "/api/v1/admin/jobs/1"],
    ["POST", "/api/v1/admin/jobs/1/retry"],
    ["POST", "/api/v1/admin/jobs/1/cancel"],
    ["POST", "/api/v1/admin/videos/0b9f3a52-3c9a-4f7e-9c55-3b8a9b3f0e11/reprocess"],
    ["GET", "/api/v1/admin/nodes"],
    ["GET", "/api/v1/admin/actions"],
  ];

  it("answers 401 without a token and 403 to a signed-in non-admin, on every route", async () => {
    for (const [method, path] of routes) {
      const anonymous = await callJson<ErrorJson>(method, path);
      expect(anonymous.status, `${method} ${path}`).toBe(401);
      expect(anonymous.body.error.code).toBe("unauthorized");
      const refused = await callJson<ErrorJson>(method, path, { token: viewer.accessToken });
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect(refused.body.error.code).toBe("forbidden");
    }
  });

  it("reads the role from the database on each request: a revoke applies to a token already issued", async () => {
    const someone = await signUp();
    await makeAdmin(someone.user.id);
    expect((await callJson("GET", "/api/v1/admin/stats", { token: someone.accessToken })).status).toBe(200);
    await db(sql`update users set role = 'viewer' where id = ${someone.user.id}`);
    expect((await callJson("GET", "/api/v1/admin/stats", { token: someone.accessToken })).status).toBe(403);
  });

  it("treats verified accounts in ADMIN_EMAILS as admins, in the API and in their tokens", async () => {
    const named = await signUp({ email: `Ops-${Date.now()}@Example.com` });
    const bindings = { ADMIN_EMAILS: ` other@example.com , ${named.user.email.toUpperCase()} ` };
    // Whoever registers a listed address first is not an admin until they prove it is theirs.
    const unverified = await callJson("GET", "/api/v1/admin/stats", { token: named.accessToken, bindings });
    expect(unverified.status).toBe(403);
    const early = await callJson<{ user: { role: string } }>("POST", "/api/v1/auth/login", {
      body: { email: named.user.email, password: named.password },
      bindings,
    });
    expect(early.body.user.role).toBe("viewer");
    await verifyEmail(named.user.email);
    const stats = await callJson("GET", "/api/v1/admin/stats", { token: named.accessToken, bindings });
    expect(stats.status).toBe(200);
    const login = await callJson<{ user: { role: string } }>("POST", "/api/v1/auth/login", {
      body: { email: named.user.email, password: named.password },
      bindings,
    });
    expect(login.body.user.role).toBe("admin");
    // Without the setting it is an ordinary account again.
    expect((await callJson("GET", "/api/v1/admin/stats", { token: named.accessToken })).status).toBe(403);
  });
});

describe("reading", () => {
  it("lists jobs newest first, filtered by state, type, video and node, page by page", async () => {
    const { videoId, jobId } = await failedTranscode();
    const other = await insertJob({ type: "purge_video", videoId, state: "done", node: "node-b" });
    const all = await callJson<{ items: Job[] }>(
      "GET",
      `/api/v1/admin/jobs?videoId=${videoId}`,
      adminToken(),
    );
    expect(all.status).toBe(200);
    expect(all.body.items.map((j) => j.id)).toEqual([other, jobId]);
    expect(all.body.items[1]).toMatchObject({
      type: "transcode",
      state: "failed",
      videoTitle: "Failing film",
      attempts: 3,
      node: "node-a",
      lastError: "ffmpeg failed: Conversion failed!",
      hasStderr: true,
    });
    const filtered = async (query: string) =>
      (
        await callJson<{ items: Job[] }>(
          "GET",
          `/api/v1/admin/jobs?videoId=${videoId}&${query}`,
          adminToken(),
        )
      ).body.items.map((j) => j.id);
    expect(await filtered("state=failed")).toEqual([jobId]);
    expect(await filtered("type=purge_video")).toEqual([other]);
    expect(await filtered("node=node-b")).toEqual([other]);
    const first = await callJson<{ items: Job[]; nextCursor: string }>(
      "GET",
      `/api/v1/admin/jobs?videoId=${videoId}&limit=1`,
      adminToken(),
    );
    expect(first.body.items.map((j) => j.id)).toEqual([other]);
    const second = await callJson<{ items: Job[]; nextCursor: string | null }>(
      "GET",
      `/api/v1/admin/jobs?videoId=${videoId}&limit=1&cursor=${first.body.nextCursor}`,
      adminToken(),
    );
    expect(second.body.items.map((j) => j.id)).toEqual([jobId]);
    expect(second.body.nextCursor).toBeNull();
  });

  it("refuses bad filters and cursors with 400", async () => {
    for (const query of ["state=sleeping", "type=mine_bitcoin", "videoId=12", "cursor=abc", "limit=0"]) {
      const res = await callJson<ErrorJson>("GET", `/api/v1/admin/jobs?${query}`, adminToken());
      expect(res.status, query).toBe(400);
    }
    expect(
      (await callJson<ErrorJson>("GET", "/api/v1/admin/jobs?cursor=abc", adminToken())).body.error.code,
    ).toBe("invalid_cursor");
    expect((await callJson<ErrorJson>("GET", "/api/v1/admin/jobs/abc", adminToken())).body.error.code).toBe(
      "invalid_id",
    );
    expect((await callJson<ErrorJson>("GET", "/api/v1/admin/jobs/999999999", adminToken())).status).toBe(404);
  });

  it("shows one job with every attempt (node, times, outcome, error) and ffmpeg's stderr tail", async () => {
    const { jobId } = await failedTranscode();
    const res = await callJson<
      Job & { stderrTail: string; attemptsLog: { attempt: number; outcome: string; durationMs: number }[] }
    >("GET", `/api/v1/admin/jobs/${jobId}`, adminToken());
    expect(res.status).toBe(200);
    expect(res.body.stderrTail).toMatch(/error while decoding MB 4 5/);
    expect(res.body.attemptsLog.map((a) => [a.attempt, a.outcome])).toEqual([
      [1, "retry"],
      [2, "retry"],
      [3, "failed"],
    ]);
    expect(res.body.attemptsLog[0]!.durationMs).toBeGreaterThanOrEqual(900);
  });

  it("lists farm nodes with their status and running jobs", async () => {
    const up = `node-up-${Date.now()}`;
    const down = `node-down-${Date.now()}`;
    await db(sql`insert into farm_nodes (node_id, host, pid, workers, last_seen_at)
      values (${up}, 'host-1', 11, true, now()), (${down}, 'host-2', 12, true, now() - interval '5 minutes')`);
    const { video } = await createVideo(viewer.accessToken);
    const running = await insertJob({ videoId: video.id, state: "running", node: up, leaseMs: 30_000 });
    const res = await callJson<{
      items: { nodeId: string; status: string; runningJobs: { id: number }[] }[];
    }>("GET", "/api/v1/admin/nodes", adminToken());
    expect(res.status).toBe(200);
    expect(res.body.items.find((n) => n.nodeId === up)).toMatchObject({
      status: "up",
      runningJobs: [{ id: running }],
    });
    expect(res.body.items.find((n) => n.nodeId === down)).toMatchObject({ status: "down", runningJobs: [] });
    await db(sql`update jobs set state = 'cancelled' where id = ${running}`);
  });

  it("counts videos by status, storage, jobs by state and type, and nodes", async () => {
    const { video } = await createVideo(viewer.accessToken);
    await db(
      sql`update videos set source_key = ${video.id}, source_bytes = 5000, media_bytes = 7000 where id = ${video.id}`,
    );
    await markReady(video.id);
    const res = await callJson<{
      videos: { total: number; byStatus: Record<string, number> };
      storage: { sourceBytes: number; mediaBytes: number; totalBytes: number };
      jobs: { byState: Record<string, number>; byType: { type: string; state: string; count: number }[] };
      nodes: { up: number; down: number };
    }>("GET", "/api/v1/admin/stats", adminToken());
    expect(res.status).toBe(200);
    expect(res.body.videos.byStatus.ready).toBeGreaterThanOrEqual(1);
    expect(Object.keys(res.body.videos.byStatus).sort()).toEqual(
      ["awaiting_upload", "failed", "processing", "ready", "uploading"].sort(),
    );
    expect(res.body.storage.sourceBytes).toBeGreaterThanOrEqual(5000);
    expect(res.body.storage.mediaBytes).toBeGreaterThanOrEqual(7000);
    expect(res.body.storage.totalBytes).toBe(res.body.storage.sourceBytes + res.body.storage.mediaBytes);
    expect(Object.keys(res.body.jobs.byState).sort()).toEqual([
      "cancelled",
      "done",
      "failed",
      "queued",
      "running",
    ]);
    expect(res.body.videos.total).toBe(Object.values(res.body.videos.byStatus).reduce((a, b) => a + b, 0));
  });
});

describe("actions", () => {
  it("retries a failed transcode: queued again from zero, its video back to processing, recorded", async () => {
    const { videoId, jobId } = await failedTranscode();
    const res = await callJson<{ job: Job; outcome: string }>(
      "POST",
      `/api/v1/admin/jobs/${jobId}/retry`,
      adminToken(),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      outcome: "queued",
      job: { id: jobId, state: "queued", attempts: 0, lastError: null },
    });
    const [video] = await db<{ status: string; error_code: string | null }>(
      sql`select status, error_code from videos where id = ${videoId}`,
    );
    expect(video).toEqual({ status: "processing", error_code: null });
    const actions = await callJson<{ items: { action: string; actor: { email: string }; jobId: number }[] }>(
      "GET",
      `/api/v1/admin/actions?jobId=${jobId}`,
      adminToken(),
    );
    expect(actions.body.items).toMatchObject([
      { action: "job.retry", jobId, actor: { email: admin.user.email } },
    ]);
    // Only a failed job can be retried.
    const again = await callJson<ErrorJson>("POST", `/api/v1/admin/jobs/${jobId}/retry`, adminToken());
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/the job is queued/);
  });

  it("refuses a retry that would make a second active job for the video", async () => {
    const { videoId, jobId } = await failedTranscode();
    await insertJob({ videoId, state: "queued" });
    const res = await callJson<ErrorJson>("POST", `/api/v1/admin/jobs/${jobId}/retry`, adminToken());
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("conflict");
    const [job] = await db<{ state: string }>(sql`select state from jobs where id = ${jobId}`);
    expect(job?.state).toBe("failed"); // nothing changed
  });

  it("cancels a queued transcode at once, failing its video (processing_cancelled)", async () => {
    const { video } = await createVideo(viewer.accessToken);
    await db(sql`update videos set status = 'processing', source_key = 'k' where id = ${video.id}`);
    const jobId = await insertJob({ videoId: video.id, state: "queued", attempts: 0 });
    const res = await callJson<{ job: Job; outcome: string }>(
      "POST",
      `/api/v1/admin/jobs/${jobId}/cancel`,
      adminToken(),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      outcome: "cancelled",
      job: { state: "cancelled", lastError: "cancelled by an admin" },
    });
    const owner = await callJson<{ status: string; error: { code: string } }>(
      "GET",
      `/api/v1/videos/${video.id}`,
      {
        token: viewer.accessToken,
      },
    );
    expect(owner.body).toMatchObject({ status: "failed", error: { code: "processing_cancelled" } });
    expect((await callJson("POST", `/api/v1/admin/jobs/${jobId}/cancel`, adminToken())).status).toBe(409);
  });

  it("cancelling one chunk of a chunked transcode fails the video and stops all its chunks, no one else's", async () => {
    const runId = crypto.randomUUID();
    const chunk = async (videoId: string, index: number, state: "queued" | "running") => {
      const rows = await db<{ id: string }>(sql`
        insert into jobs (type, video_id, payload, state, attempts, locked_by, locked_until, started_at, active_key)
        values ('encode_chunk', ${videoId}, ${JSON.stringify({ runId, part: "rest", index })}::jsonb, ${state},
                ${state === "running" ? 1 : 0}, ${state === "running" ? "n" : null},
                ${state === "running" ? sql`now() + interval '30 seconds'` : null}, now(),
                ${`encode_chunk:${videoId}:${index}`})
        returning id`);
      return Number(rows[0]!.id);
    };
    const { video } = await createVideo(viewer.accessToken);
    const { video: other } = await createVideo(viewer.accessToken);
    for (const id of [video.id, other.id]) {
      await db(sql`update videos set status = 'processing', source_key = 'k' where id = ${id}`);
    }
    const running = await chunk(video.id, 0, "running");
    const sibling = await chunk(video.id, 1, "running");
    const queued = await chunk(video.id, 2, "queued");
    const elsewhere = await chunk(other.id, 0, "queued");
    const res = await callJson<{ job: Job; outcome: string }>(
      "POST",
      `/api/v1/admin/jobs/${running}/cancel`,
      adminToken(),
    );
    expect(res.body).toMatchObject({ outcome: "cancel_requested", job: { state: "running" } });
    const jobs = await db<{ id: string; state: string; cancel_requested: boolean }>(
      sql`select id, state, cancel_requested_at is not null as cancel_requested from jobs
          where id in (${running}, ${sibling}, ${queued}, ${elsewhere}) order by id`,
    );
    expect(jobs.map((j) => [Number(j.id), j.state, j.cancel_requested])).toEqual([
      [running, "running", true],
      [sibling, "running", true],
      [queued, "cancelled", false],
      [elsewhere, "queued", false],
    ]);
    const [failed] = await db<{ status: string; error_code: string }>(
      sql`select status, error_code from videos where id = ${video.id}`,
    );
    expect(failed).toEqual({ status: "failed", error_code: "processing_cancelled" });
    // A viewer may not.
    const refused = await callJson("POST", `/api/v1/admin/jobs/${elsewhere}/cancel`, {
      token: viewer.accessToken,
    });
    expect(refused.status).toBe(403);
    await db(sql`update jobs set state = 'cancelled' where id in (${running}, ${sibling}, ${elsewhere})`);
  });

  it("asks a running job to stop (its runner does at the next heartbeat); one whose lease lapsed is cancelled now", async () => {
    const { video } = await createVideo(viewer.accessToken);
    const live = await insertJob({
      type: "publish_subtitles",
      videoId: video.id,
      state: "running",
      node: "n",
      leaseMs: 30_000,
      payload: {},
    });
    const res = await callJson<{ job: Job; outcome: string }>(
      "POST",
      `/api/v1/admin/jobs/${live}/cancel`,
      adminToken(),
    );
    expect(res.body).toMatchObject({ outcome: "cancel_requested", job: { state: "running" } });
    expect(res.body.job.cancelRequestedAt).not.toBeNull();
    const lapsed = await insertJob({
      type: "purge_video",
      videoId: video.id,
      state: "running",
      node: "gone",
      leaseMs: -5000,
      payload: {},
    });
    const gone = await callJson<{ job: Job; outcome: string }>(
      "POST",
      `/api/v1/admin/jobs/${lapsed}/cancel`,
      adminToken(),
    );
    expect(gone.body).toMatchObject({ outcome: "cancelled", job: { state: "cancelled" } });
    await db(sql`update jobs set state = 'cancelled' where id = ${live}`);
  });

  it("re-processes a ready video from its kept source, keeping it ready meanwhile; refuses what it cannot", async () => {
    const { video } = await createVideo(viewer.accessToken);
    await db(
      sql`update videos set source_key = ${`${video.id}-src`}, source_bytes = 10 where id = ${video.id}`,
    );
    await markReady(video.id);
    const res = await callJson<{ job: Job; videoStatus: string }>(
      "POST",
      `/api/v1/admin/videos/${video.id}/reprocess`,
      adminToken(),
    );
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      videoStatus: "ready",
      job: {
        type: "transcode",
        state: "queued",
        videoId: video.id,
        payload: { sourceKey: `${video.id}-src`, reprocess: true },
      },
    });
    // A second one while the first is queued: 409.
    expect((await callJson("POST", `/api/v1/admin/videos/${video.id}/reprocess`, adminToken())).status).toBe(
      409,
    );
    const actions = await callJson<{ items: { action: string; videoId: string; jobId: number }[] }>(
      "GET",
      "/api/v1/admin/actions?limit=100",
      adminToken(),
    );
    expect(actions.body.items.find((a) => a.videoId === video.id)).toMatchObject({
      action: "video.reprocess",
      jobId: res.body.job.id,
    });

    const { video: noSource } = await createVideo(viewer.accessToken);
    await markReady(noSource.id);
    const refused = await callJson<ErrorJson>(
      "POST",
      `/api/v1/admin/videos/${noSource.id}/reprocess`,
      adminToken(),
    );
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/no kept source/);
    const { video: awaiting } = await createVideo(viewer.accessToken);
    expect(
      (await callJson("POST", `/api/v1/admin/videos/${awaiting.id}/reprocess`, adminToken())).status,
    ).toBe(409);
    expect(
      (
        await callJson(
          "POST",
          "/api/v1/admin/videos/0b9f3a52-3c9a-4f7e-9c55-3b8a9b3f0e11/reprocess",
          adminToken(),
        )
      ).status,
    ).toBe(404);
  });

  it("re-processes a failed video: back to processing", async () => {
    const { videoId } = await failedTranscode();
    const res = await callJson<{ videoStatus: string; job: Job }>(
      "POST",
      `/api/v1/admin/videos/${videoId}/reprocess`,
      adminToken(),
    );
    expect(res.status).toBe(202);
    expect(res.body.videoStatus).toBe("processing");
    expect(res.body.job.payload).toEqual({ sourceKey: videoId });
  });
});

describe("the /admin/jobs page", () => {
  it("is the same HTML shell for everyone (the API decides), with its own script and no inline code", async () => {
    const res = await call("GET", "/admin/jobs");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("Jobs console");
    expect(html).toContain("Admins only");
    expect(html).toMatch(/<script type="module" src="\/assets\/admin-[^"]+\.js"><\/script>/);
    expect(html).not.toMatch(/<script>(?!<)/);
    expect(res.headers.get("content-security-policy")).toMatch(/script-src 'self'/);
  });
});
