/**
 * Resumable uploads with the real tus-js-client against real farm nodes, the embedded
 * Postgres and the local S3 server.
 */
import { randomBytes } from "node:crypto";
import * as tus from "tus-js-client";
import { afterAll, describe, expect, it } from "vitest";
import {
  closeDb,
  db,
  newVideo,
  sha256,
  startNode,
  storedObjectHash,
  uploadToken,
  videoRow,
} from "./support/farm-env.ts";
import { spawnFarm } from "./support/farm-process.ts";
import { startFlakyProxy } from "./support/flaky-proxy.ts";

const MiB = 1024 * 1024;
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const fn of cleanups.reverse()) await fn();
  await closeDb();
});

async function node() {
  const started = await startNode();
  cleanups.push(() => started.node.close());
  return started.url;
}

function upload(
  data: Buffer,
  options: Partial<tus.UploadOptions> & { endpoint?: string; token: string },
): Promise<{ url: string }> {
  return new Promise((resolve, reject) => {
    const { token, ...rest } = options;
    const job: tus.Upload = new tus.Upload(data, {
      retryDelays: [0, 50, 100, 200, 400, 800],
      headers: { Authorization: `Bearer ${token}` },
      metadata: { filename: "clip.mp4" },
      ...rest,
      onError: reject,
      onSuccess: () => resolve({ url: job.url ?? "" }),
    });
    job.start();
  });
}

async function tusRequest(
  url: string,
  method: string,
  token: string | undefined,
  headers: Record<string, string> = {},
  body?: Buffer,
) {
  return fetch(url, {
    method,
    headers: { "Tus-Resumable": "1.0.0", ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
    body,
  });
}

describe("tus uploads into object storage", () => {
  it("stores a file byte-identical, moves the video to processing and queues a transcode job", async () => {
    const farm = await node();
    const { videoId, token } = await newVideo();
    const data = randomBytes(12 * MiB + 12345);
    const { url } = await upload(data, { endpoint: `${farm}/files/`, token, chunkSize: 4 * MiB });
    expect(url).toBe(`${farm}/files/${videoId}`);
    expect(await storedObjectHash(videoId)).toBe(sha256(data));
    const row = await videoRow(videoId);
    expect(row).toMatchObject({
      status: "processing",
      progress: 0,
      source_key: videoId,
      source_bytes: String(data.length),
    });
    const jobs = await db().query("select type, state, payload from jobs where video_id = $1", [videoId]);
    expect(jobs.rows).toEqual([{ type: "transcode", state: "queued", payload: { sourceKey: videoId } }]);
  });

  it("resumes from the server's offset after the connection drops at random points", async () => {
    const farm = await node();
    const { videoId, token } = await newVideo();
    const data = randomBytes(14 * MiB);
    const random = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo));
    // Connection 1 dies mid-body, the resume (HEAD) passes, the next PATCH dies again, …
    const proxy = await startFlakyProxy(farm, [
      random(1 * MiB, 4 * MiB),
      undefined,
      undefined,
      random(2 * MiB, 5 * MiB),
    ]);
    cleanups.push(() => proxy.close());
    const offsets: number[] = [];
    await upload(data, {
      endpoint: `${proxy.url}/files/`,
      token,
      onProgress: (sent) => offsets.push(sent),
    });
    expect(proxy.cutsMade).toBeGreaterThanOrEqual(1);
    expect(await storedObjectHash(videoId)).toBe(sha256(data));
    expect((await videoRow(videoId)).status).toBe("processing");
  });

  it("starts an upload on one farm process and finishes it on another (shared locks, cache and bucket)", async () => {
    const a = await spawnFarm({ FARM_NODE_ID: "node-a", FARM_WORKERS: "false" });
    const b = await spawnFarm({ FARM_NODE_ID: "node-b", FARM_WORKERS: "false" });
    cleanups.push(
      () => a.stop(),
      () => b.stop(),
    );
    const { videoId, token } = await newVideo();
    const data = randomBytes(11 * MiB + 7);

    // First 6 MiB to node A, then the client goes away.
    await new Promise<void>((resolve, reject) => {
      const first: tus.Upload = new tus.Upload(data, {
        endpoint: `${a.url}/files/`,
        headers: { Authorization: `Bearer ${token}` },
        chunkSize: 6 * MiB,
        onChunkComplete: () => {
          void first.abort().then(resolve);
        },
        onError: reject,
      });
      first.start();
    });
    // Upload progress is visible on the video while it is unfinished.
    await expect.poll(async () => (await videoRow(videoId)).progress, { timeout: 5000 }).toBe(54);
    expect((await videoRow(videoId)).status).toBe("uploading");
    const head = await tusRequest(`${b.url}/files/${videoId}`, "HEAD", token);
    expect(head.status).toBe(200);
    expect(Number(head.headers.get("upload-offset"))).toBe(6 * MiB);

    // The same upload URL, on node B.
    const resumedFrom: number[] = [];
    await upload(data, {
      uploadUrl: `${b.url}/files/${videoId}`,
      token,
      onProgress: (sent) => resumedFrom.push(sent),
    });
    expect(resumedFrom[0]).toBeGreaterThanOrEqual(6 * MiB);
    expect(await storedObjectHash(videoId)).toBe(sha256(data));
    expect((await videoRow(videoId)).status).toBe("processing");
  });
});

describe("upload refusals", () => {
  it("refuses a missing, forged or expired token with 401 and a token for another video with 403", async () => {
    const farm = await node();
    const { videoId, ownerId, token } = await newVideo();
    const create = (auth?: string) => tusRequest(`${farm}/files/`, "POST", auth, { "Upload-Length": "10" });
    expect((await create()).status).toBe(401);
    const forged = `${token.slice(0, -4)}AAAA`;
    expect((await create(forged)).status).toBe(401);
    const expired = await uploadToken(videoId, ownerId, 100, -60);
    const res = await create(expired);
    expect(res.status).toBe(401);
    expect(await res.text()).toContain("token_expired");

    const created = await create(token);
    expect(created.status).toBe(201);
    const other = await newVideo();
    const patch = await tusRequest(
      `${farm}/files/${videoId}`,
      "PATCH",
      other.token,
      { "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream" },
      Buffer.from("0123456789"),
    );
    expect(patch.status).toBe(403);
    expect((await tusRequest(`${farm}/files/${videoId}`, "HEAD", other.token)).status).toBe(403);
  });

  it("refuses a file larger than the token allows with 413 before storing a byte", async () => {
    const farm = await node();
    const { videoId, token } = await newVideo({ maxBytes: 1000 });
    const res = await tusRequest(`${farm}/files/`, "POST", token, { "Upload-Length": "1001" });
    expect(res.status).toBe(413);
    expect((await videoRow(videoId)).status).toBe("awaiting_upload");
    const cached = await db().query("select 1 from tus_uploads where key = $1", [videoId]);
    expect(cached.rowCount).toBe(0);
  });

  it("refuses a second upload for a video that already has one with 409", async () => {
    const farm = await node();
    const { token } = await newVideo();
    expect((await tusRequest(`${farm}/files/`, "POST", token, { "Upload-Length": "100" })).status).toBe(201);
    const again = await tusRequest(`${farm}/files/`, "POST", token, { "Upload-Length": "100" });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain("conflict");
  });

  it("never lets an upload id like ../ reach storage", async () => {
    const farm = await node();
    const { token } = await newVideo();
    for (const id of ["..%2F..%2Fetc%2Fpasswd", "../movio", "%2E%2E"]) {
      const res = await tusRequest(`${farm}/files/${id}`, "HEAD", token);
      expect([400, 403, 404]).toContain(res.status);
    }
  });

  it("refuses to PATCH a finished upload again and keeps the stored file intact", async () => {
    const farm = await node();
    const { videoId, token } = await newVideo();
    const data = randomBytes(1000);
    await upload(data, { endpoint: `${farm}/files/`, token });
    const again = await tusRequest(
      `${farm}/files/${videoId}`,
      "PATCH",
      token,
      { "Upload-Offset": "1000", "Content-Type": "application/offset+octet-stream" },
      Buffer.from("more bytes"),
    );
    expect(again.status).toBeGreaterThanOrEqual(400);
    expect(again.status).toBeLessThan(500);
    const rewind = await tusRequest(
      `${farm}/files/${videoId}`,
      "PATCH",
      token,
      { "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream" },
      Buffer.from("overwrite"),
    );
    expect(rewind.status).toBe(409);
    expect((await tusRequest(`${farm}/files/${videoId}`, "DELETE", token)).status).toBe(400);
    expect(await storedObjectHash(videoId)).toBe(sha256(data));
    expect((await videoRow(videoId)).status).toBe("processing");
  });

  it("expires an abandoned upload: parts deleted, video open for a new upload", async () => {
    // 3 s: long enough that the upload is still fresh when checked right after its PATCH on a
    // loaded machine (1 s was not, once), short enough for the node's own sweep to come soon.
    const started = await startNode({ UPLOAD_EXPIRY_S: "3" });
    cleanups.push(() => started.node.close());
    const { videoId, token } = await newVideo();
    const url = `${started.url}/files/${videoId}`;
    expect(
      (await tusRequest(`${started.url}/files/`, "POST", token, { "Upload-Length": String(12 * MiB) }))
        .status,
    ).toBe(201);
    const patch = await tusRequest(
      url,
      "PATCH",
      token,
      { "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream" },
      randomBytes(3 * MiB),
    );
    expect(patch.status).toBe(204);
    await started.node.expireAbandonedUploads();
    expect((await videoRow(videoId)).status).toBe("uploading"); // still fresh
    // The node's own sweep (every UPLOAD_EXPIRY_S here) releases it once idle.
    await expect
      .poll(async () => (await videoRow(videoId)).status, { timeout: 15_000 })
      .toBe("awaiting_upload");
    expect([404, 410]).toContain((await tusRequest(url, "HEAD", token)).status);
    expect((await db().query("select 1 from tus_uploads where key = $1", [videoId])).rowCount).toBe(0);
    await expect(storedObjectHash(`${videoId}.info`)).rejects.toMatchObject({ name: "NoSuchKey" });
    await expect(storedObjectHash(`${videoId}.part`)).rejects.toMatchObject({ name: "NoSuchKey" });
    const data = randomBytes(1000);
    await upload(data, { endpoint: `${started.url}/files/`, token });
    expect(await storedObjectHash(videoId)).toBe(sha256(data));
  });

  it("lets the uploader terminate an unfinished upload and start over", async () => {
    const farm = await node();
    const { videoId, token } = await newVideo();
    const created = await tusRequest(`${farm}/files/`, "POST", token, { "Upload-Length": "2000" });
    expect(created.status).toBe(201);
    expect((await videoRow(videoId)).status).toBe("uploading");
    expect((await tusRequest(`${farm}/files/${videoId}`, "DELETE", token)).status).toBe(204);
    await expect.poll(async () => (await videoRow(videoId)).status).toBe("awaiting_upload");
    const data = randomBytes(2000);
    await upload(data, { endpoint: `${farm}/files/`, token });
    expect(await storedObjectHash(videoId)).toBe(sha256(data));
  });
});
