/**
 * The upload path under faults: a finish the database failed to record, a PATCH that streams
 * for longer than any total limit, the lock session killed, per-user caps, deletion during an
 * upload and during processing, refused uploads that must leave nothing behind.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import { ListMultipartUploadsCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import * as tus from "tus-js-client";
import { afterAll, describe, expect, it } from "vitest";
import { enqueueQuery } from "../../shared/jobs/enqueue.ts";
import { closeDb, db, newVideo, startNode, testS3, videoRow } from "./support/farm-env.ts";
import { fixtures } from "./support/fixtures.ts";
import { waitFor } from "./support/wait-for.ts";

const MiB = 1024 * 1024;
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const fn of cleanups.reverse()) await fn();
  await closeDb();
});

const logs: string[] = [];

async function node(overrides: Record<string, string> = {}, work = false) {
  const started = await startNode(
    { JOB_POLL_MS: "100", ...overrides },
    { work, log: (line) => logs.push(line) },
  );
  cleanups.push(() => started.node.close());
  return started;
}

function tusFetch(
  url: string,
  method: string,
  token: string,
  headers: Record<string, string> = {},
  body?: Buffer,
) {
  return fetch(url, {
    method,
    headers: { "Tus-Resumable": "1.0.0", Authorization: `Bearer ${token}`, ...headers },
    body,
  });
}

/** Every object and open multipart upload in the bucket whose key starts with the video's id or media dir. */
async function storedFor(videoId: string) {
  const s3 = testS3();
  try {
    const keys: string[] = [];
    for (const prefix of [videoId, `media/${videoId}/`]) {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: "movio", Prefix: prefix }));
      keys.push(...(page.Contents ?? []).map((c) => c.Key ?? ""));
    }
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: "movio", Prefix: videoId }));
    return { keys, multipart: (uploads.Uploads ?? []).filter((u) => u.Key === videoId).length };
  } finally {
    s3.destroy();
  }
}

const cacheRows = async (videoId: string) =>
  (await db().query("select 1 from tus_uploads where key = $1", [videoId])).rowCount;

/** A PATCH streamed by hand: `chunks` pieces of `chunkBytes`, `pauseMs` apart. */
function slowPatch(
  url: string,
  token: string,
  options: { offset: number; chunks: number; chunkBytes: number; pauseMs: number; stallAfter?: number },
): Promise<{ status: number | "cut"; offset?: string }> {
  return new Promise((resolve) => {
    const req = http.request(url, {
      method: "PATCH",
      headers: {
        "Tus-Resumable": "1.0.0",
        Authorization: `Bearer ${token}`,
        "Upload-Offset": String(options.offset),
        "Content-Type": "application/offset+octet-stream",
        "Content-Length": String(options.chunks * options.chunkBytes),
      },
    });
    req.on("response", (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, offset: res.headers["upload-offset"] as string | undefined });
    });
    req.on("error", () => resolve({ status: "cut" }));
    let sent = 0;
    const next = () => {
      if (sent === options.stallAfter) return; // stops sending, keeps the socket open
      req.write(randomBytes(options.chunkBytes));
      sent++;
      if (sent < options.chunks) setTimeout(next, options.pauseMs);
      else req.end();
    };
    next();
  });
}

/** A real database fault: the first move of this video to `processing` raises an error. */
async function failFinishOnce(videoId: string) {
  const name = `finish_fault_${videoId.replace(/-/g, "")}`;
  await db().query(`
    create sequence ${name}_seq;
    create function ${name}() returns trigger language plpgsql as $$
    begin
      if new.id = '${videoId}' and new.status = 'processing' and nextval('${name}_seq') = 1 then
        raise exception 'injected: database gone while recording the finish';
      end if;
      return new;
    end $$;
    create trigger ${name} before update on videos for each row execute function ${name}();`);
  cleanups.push(() =>
    db().query(`drop trigger ${name} on videos; drop function ${name}(); drop sequence ${name}_seq`),
  );
}

describe("a finished upload is never lost", () => {
  it("records a finish the database failed to record when the client checks again, then transcodes it", {
    timeout: 120_000,
  }, async () => {
    const farm = await node({}, true);
    const { videoId, token } = await newVideo();
    await failFinishOnce(videoId);
    await new Promise<void>((resolve, reject) => {
      new tus.Upload(fixtures.landscape(2, "320x240"), {
        endpoint: `${farm.url}/files/`,
        headers: { Authorization: `Bearer ${token}` },
        retryDelays: [100, 200, 400],
        onError: reject,
        onSuccess: () => resolve(),
      }).start();
    });
    await waitFor("ready", async () => ((await videoRow(videoId)).status === "ready" ? true : undefined));
    const jobs = await db().query("select state from jobs where video_id = $1 and type = 'transcode'", [
      videoId,
    ]);
    expect(jobs.rows).toEqual([{ state: "done" }]);
  });

  it("recovers it on the maintenance sweep when the client never comes back", async () => {
    const farm = await node();
    const { videoId, token } = await newVideo();
    await failFinishOnce(videoId);
    const data = randomBytes(3000);
    const created = await tusFetch(`${farm.url}/files/`, "POST", token, { "Upload-Length": "3000" });
    expect(created.status).toBe(201);
    const patch = await tusFetch(
      `${farm.url}/files/${videoId}`,
      "PATCH",
      token,
      { "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream" },
      data,
    );
    expect(patch.status).toBe(500); // the finish failed; the bytes are all stored
    // The client gets an id it can quote, and the operator finds the cause under it.
    const requestId = patch.headers.get("x-request-id") ?? "";
    expect(((await patch.json()) as { error: { requestId: string } }).error.requestId).toBe(requestId);
    expect(logs.find((line) => line.includes(requestId))).toMatch(/injected: database gone/);
    expect((await videoRow(videoId)).status).toBe("uploading");
    await farm.node.runMaintenance();
    expect(await videoRow(videoId)).toMatchObject({ status: "processing", source_bytes: "3000" });
    await farm.node.runMaintenance(); // twice is still once
    const jobs = await db().query("select 1 from jobs where video_id = $1 and type = 'transcode'", [videoId]);
    expect(jobs.rowCount).toBe(1);
  });
});

describe("long uploads", () => {
  it("lets a PATCH stream for much longer than the idle limit while bytes keep coming", async () => {
    const farm = await node({ UPLOAD_IDLE_TIMEOUT_MS: "700" });
    expect(farm.node.server.requestTimeout).toBe(0); // no total limit (Node's default is 300 s)
    const { videoId, token } = await newVideo();
    const total = 14 * 64 * 1024;
    expect(
      (await tusFetch(`${farm.url}/files/`, "POST", token, { "Upload-Length": String(total) })).status,
    ).toBe(201);
    const started = Date.now();
    const result = await slowPatch(`${farm.url}/files/${videoId}`, token, {
      offset: 0,
      chunks: 14,
      chunkBytes: 64 * 1024,
      pauseMs: 250,
    });
    expect(Date.now() - started).toBeGreaterThan(3 * 700);
    expect(result).toEqual({ status: 204, offset: String(total) });
    expect((await videoRow(videoId)).status).toBe("processing");
  });

  it("cuts a PATCH that stalls for longer than the idle limit, keeping what arrived", async () => {
    const farm = await node({ UPLOAD_IDLE_TIMEOUT_MS: "500" });
    const { videoId, token } = await newVideo();
    expect(
      (await tusFetch(`${farm.url}/files/`, "POST", token, { "Upload-Length": String(6 * MiB) })).status,
    ).toBe(201);
    const result = await slowPatch(`${farm.url}/files/${videoId}`, token, {
      offset: 0,
      chunks: 6,
      chunkBytes: MiB,
      pauseMs: 50,
      stallAfter: 2,
    });
    expect(result.status).toBe("cut");
    const head = await waitFor("the stored offset", async () => {
      const response = await tusFetch(`${farm.url}/files/${videoId}`, "HEAD", token);
      return response.status === 200 ? Number(response.headers.get("upload-offset")) : undefined;
    });
    expect(head).toBe(2 * MiB);
  });

  it("expires an upload only after its last byte, not after its creation", async () => {
    const farm = await node({ UPLOAD_EXPIRY_S: "2", MAINTENANCE_INTERVAL_MS: "100000" });
    const { videoId, token } = await newVideo();
    expect((await tusFetch(`${farm.url}/files/`, "POST", token, { "Upload-Length": "100000" })).status).toBe(
      201,
    );
    // 4 s of a slow trickle: well past the expiry counted from creation.
    const result = await slowPatch(`${farm.url}/files/${videoId}`, token, {
      offset: 0,
      chunks: 9,
      chunkBytes: 1000,
      pauseMs: 500,
    });
    expect(result.status).toBe(204);
    expect(await farm.node.expireAbandonedUploads()).toBe(0);
    expect((await videoRow(videoId)).status).toBe("uploading");
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await farm.node.expireAbandonedUploads()).toBe(1);
    expect((await videoRow(videoId)).status).toBe("awaiting_upload");
  });
});

describe("locking", () => {
  it("survives its lock session being killed: health says so, then locks hand over again", async () => {
    const first = await node();
    const second = await node();
    const { videoId, token } = await newVideo();
    const url = (base: string) => `${base}/files/${videoId}`;
    expect(
      (await tusFetch(`${first.url}/files/`, "POST", token, { "Upload-Length": String(6 * MiB) })).status,
    ).toBe(201);
    await db().query(
      "select pg_terminate_backend(pid) from pg_stat_activity where application_name like 'movio-farm-locks%'",
    );
    const health = await fetch(`${first.url}/healthz`);
    expect([200, 503]).toContain(health.status); // may already be back
    await waitFor("locking up again on both nodes", async () => {
      const states = await Promise.all(
        [first.url, second.url].map(
          async (base) => ((await (await fetch(`${base}/healthz`)).json()) as { locking: string }).locking,
        ),
      );
      return states.every((s) => s === "up") ? true : undefined;
    });
    // A PATCH that stalls on the first node holds the lock; the client resumes on the second,
    // which asks the holder to let go (NOTIFY) and takes over.
    const stalled = slowPatch(url(first.url), token, {
      offset: 0,
      chunks: 6,
      chunkBytes: MiB,
      pauseMs: 20,
      stallAfter: 3,
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const head = await tusFetch(url(second.url), "HEAD", token);
    expect(head.status).toBe(200);
    const offset = Number(head.headers.get("upload-offset"));
    expect(offset).toBeGreaterThanOrEqual(0);
    const resumed = await tusFetch(
      url(second.url),
      "PATCH",
      token,
      { "Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream" },
      randomBytes(6 * MiB - offset),
    );
    expect(resumed.status).toBe(204);
    expect(await stalled).toMatchObject({ status: expect.anything() });
    expect((await videoRow(videoId)).status).toBe("processing");
  });

  it("answers 423 when another request keeps the lock past the wait limit", async () => {
    const farm = await node({ UPLOAD_LOCK_WAIT_MS: "300" });
    const { videoId, token } = await newVideo();
    expect(
      (await tusFetch(`${farm.url}/files/`, "POST", token, { "Upload-Length": String(6 * MiB) })).status,
    ).toBe(201);
    // Hold the advisory lock from outside, as a hung node would.
    const holder = await db().connect();
    cleanups.push(async () => holder.release());
    await holder.query("select pg_advisory_lock(hashtextextended($1, 727))", [`tus:${videoId}`]);
    const started = Date.now();
    const response = await tusFetch(
      `${farm.url}/files/${videoId}`,
      "PATCH",
      token,
      { "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream" },
      Buffer.alloc(10),
    );
    expect(response.status).toBe(423);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("locked");
    expect(Date.now() - started).toBeLessThan(3000);
    await holder.query("select pg_advisory_unlock(hashtextextended($1, 727))", [`tus:${videoId}`]);
    expect((await tusFetch(`${farm.url}/files/${videoId}`, "HEAD", token)).status).toBe(200);
  });
});

describe("per-user caps", () => {
  it("refuses a new upload beyond the user's concurrent uploads with 429 quota_exceeded", async () => {
    const farm = await node({ MAX_CONCURRENT_UPLOADS_PER_USER: "1" });
    const first = await newVideo();
    expect(
      (await tusFetch(`${farm.url}/files/`, "POST", first.token, { "Upload-Length": "5000" })).status,
    ).toBe(201);
    // A second video of the same owner.
    const { rows } = await db().query<{ id: string }>(
      "insert into videos (owner_id, title, visibility) values ($1, 'Second', 'public') returning id",
      [first.ownerId],
    );
    const { uploadToken } = await import("./support/farm-env.ts");
    const token = await uploadToken(rows[0]!.id, first.ownerId, 1024 ** 3);
    const refused = await tusFetch(`${farm.url}/files/`, "POST", token, { "Upload-Length": "5000" });
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("quota_exceeded");
    expect((await videoRow(rows[0]!.id)).status).toBe("awaiting_upload");
    expect(await storedFor(rows[0]!.id)).toEqual({ keys: [], multipart: 0 });
  });
});

describe("refused uploads leave nothing behind", () => {
  it("refuses an empty file, a too-large file and a second upload without an open multipart upload or cache row", async () => {
    const farm = await node();
    const empty = await newVideo();
    const emptyResponse = await tusFetch(`${farm.url}/files/`, "POST", empty.token, { "Upload-Length": "0" });
    expect(emptyResponse.status).toBe(400);
    expect((await videoRow(empty.videoId)).status).toBe("awaiting_upload");
    expect(await storedFor(empty.videoId)).toEqual({ keys: [], multipart: 0 });
    expect(await cacheRows(empty.videoId)).toBe(0);

    const big = await newVideo({ maxBytes: 1000 });
    expect(
      (await tusFetch(`${farm.url}/files/`, "POST", big.token, { "Upload-Length": "1001" })).status,
    ).toBe(413);
    expect(await storedFor(big.videoId)).toEqual({ keys: [], multipart: 0 });
    expect(await cacheRows(big.videoId)).toBe(0);
  });
});

describe("deleting a video stops everything", () => {
  async function deleteVideo(videoId: string) {
    await db().query("update videos set deleted_at = now() where id = $1", [videoId]);
    await db().query(enqueueQuery({ type: "purge_video", videoId, payload: {} }));
  }

  it("cuts an upload in flight, aborts its multipart upload and leaves nothing in the bucket", async () => {
    const farm = await node({}, true);
    const { videoId, token } = await newVideo();
    expect(
      (await tusFetch(`${farm.url}/files/`, "POST", token, { "Upload-Length": String(20 * MiB) })).status,
    ).toBe(201);
    const streaming = slowPatch(`${farm.url}/files/${videoId}`, token, {
      offset: 0,
      chunks: 40,
      chunkBytes: MiB / 2,
      pauseMs: 150,
    });
    await waitFor("parts stored", async () => ((await storedFor(videoId)).multipart > 0 ? true : undefined));
    await deleteVideo(videoId);
    const result = await streaming;
    expect(result.status).not.toBe(204);
    await waitFor("the purge", async () => {
      const { rows } = await db().query<{ state: string }>(
        "select state from jobs where video_id = $1 and type = 'purge_video'",
        [videoId],
      );
      return rows[0]?.state === "done" ? true : undefined;
    });
    expect([404, 410]).toContain((await tusFetch(`${farm.url}/files/${videoId}`, "HEAD", token)).status);
    await new Promise((resolve) => setTimeout(resolve, 500)); // anything still in flight lands now
    expect(await storedFor(videoId)).toEqual({ keys: [], multipart: 0 });
    expect(await cacheRows(videoId)).toBe(0);
  });

  it("stops a running transcode, never publishes it, and leaves nothing in the bucket", {
    timeout: 120_000,
  }, async () => {
    const farm = await node({ JOB_LEASE_MS: "2000" }, true);
    const { videoId, token } = await newVideo();
    await new Promise<void>((resolve, reject) => {
      new tus.Upload(fixtures.landscape(20), {
        endpoint: `${farm.url}/files/`,
        headers: { Authorization: `Bearer ${token}` },
        onError: reject,
        onSuccess: () => resolve(),
      }).start();
    });
    await waitFor("encoding", async () => ((await videoRow(videoId)).progress > 2 ? true : undefined));
    await deleteVideo(videoId);
    const transcode = await waitFor("the transcode to stop", async () => {
      const { rows } = await db().query<{ state: string }>(
        "select state from jobs where video_id = $1 and type = 'transcode'",
        [videoId],
      );
      return rows[0]?.state === "cancelled" ? rows[0] : undefined;
    });
    expect(transcode.state).toBe("cancelled");
    await waitFor("the purge", async () => {
      const { rows } = await db().query<{ state: string }>(
        "select state from jobs where video_id = $1 and type = 'purge_video'",
        [videoId],
      );
      return rows[0]?.state === "done" ? true : undefined;
    });
    expect((await videoRow(videoId)).status).toBe("processing"); // never became ready
    expect(await storedFor(videoId)).toEqual({ keys: [], multipart: 0 });
  });
});

describe("no dead ends", () => {
  it("takes a new upload for a failed video once the edge reopened it, and processes the new file", {
    timeout: 120_000,
  }, async () => {
    const farm = await node({}, true);
    const { videoId, token } = await newVideo();
    const send = (data: Buffer) =>
      new Promise<void>((resolve, reject) => {
        new tus.Upload(data, {
          endpoint: `${farm.url}/files/`,
          headers: { Authorization: `Bearer ${token}` },
          onError: reject,
          onSuccess: () => resolve(),
        }).start();
      });
    await send(fixtures.junk());
    await waitFor("failed", async () => ((await videoRow(videoId)).status === "failed" ? true : undefined));
    // What POST /api/v1/videos/:id/upload does for a failed video.
    await db().query(
      `update videos set status = 'awaiting_upload', error_code = null, error_message = null, progress = 0,
              source_key = null, source_bytes = null, storage_prefix = null, media = null where id = $1`,
      [videoId],
    );
    await send(fixtures.landscape(2, "320x240"));
    await waitFor("ready", async () => ((await videoRow(videoId)).status === "ready" ? true : undefined));
    const jobs = await db().query<{ state: string }>(
      "select state from jobs where video_id = $1 and type = 'transcode' order by id",
      [videoId],
    );
    expect(jobs.rows.map((r) => r.state)).toEqual(["failed", "done"]);
  });
});

describe("database connections are bounded", () => {
  it("serves 100 trickling uploads on one node with a dozen connections", { timeout: 60_000 }, async () => {
    const farm = await node({
      MAX_CONCURRENT_UPLOADS_PER_USER: "200",
      SHUTDOWN_GRACE_MS: "300",
      FARM_NODE_ID: "trickle-node",
    });
    const videos = await Promise.all(Array.from({ length: 100 }, () => newVideo()));
    for (const { token } of videos) {
      expect(
        (await tusFetch(`${farm.url}/files/`, "POST", token, { "Upload-Length": "400000" })).status,
      ).toBe(201);
    }
    // Each PATCH sends a little, then stalls with its socket open, as a phone in a tunnel does.
    const trickles = videos.map(({ videoId, token }) =>
      slowPatch(`${farm.url}/files/${videoId}`, token, {
        offset: 0,
        chunks: 4,
        chunkBytes: 100_000,
        pauseMs: 10,
        stallAfter: 1,
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const { rows } = await db().query<{ n: string }>(
      // This node's: its query pool and its lock session (other nodes of this file stay open).
      "select count(*) as n from pg_stat_activity where application_name like 'movio-farm%' and application_name like '%' || $1",
      [farm.node.nodeId],
    );
    const connections = Number(rows[0]!.n);
    expect(connections).toBeGreaterThanOrEqual(2); // the pool and the lock session are counted
    expect(connections).toBeLessThanOrEqual(12);
    // Everything still works meanwhile: the node answers and takes a new upload.
    expect((await fetch(`${farm.url}/healthz`)).status).toBe(200);
    await farm.node.close(); // cuts the stalled requests
    cleanups.pop();
    await Promise.all(trickles);
  });
});
