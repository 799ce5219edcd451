import * as tus from "tus-js-client";
import { afterAll, describe, expect, inject, it } from "vitest";
import { enqueueQuery } from "../../shared/jobs/enqueue.ts";
import { bucketKeys, closeDb, db, newVideo, startNode, videoRow } from "./support/farm-env.ts";
import { fixtures } from "./support/fixtures.ts";
import { startS3FaultProxy } from "./support/s3-fault-proxy.ts";
import { waitFor } from "./support/wait-for.ts";

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const fn of cleanups.reverse()) await fn();
  await closeDb();
});

describe("purge under S3 faults", () => {
  it("retries the keys a DeleteObjects reported as failed, until nothing of the video remains", {
    timeout: 120_000,
  }, async () => {
    const proxy = await startS3FaultProxy(inject("s3Endpoint"));
    cleanups.push(() => proxy.close());
    const { node, url } = await startNode(
      { S3_ENDPOINT: proxy.endpoint, JOB_POLL_MS: "100" },
      { work: true },
    );
    cleanups.push(() => node.close());
    const { videoId, token } = await newVideo();
    await new Promise<void>((resolve, reject) => {
      new tus.Upload(fixtures.landscape(2, "320x240"), {
        endpoint: `${url}/files/`,
        headers: { Authorization: `Bearer ${token}` },
        onError: reject,
        onSuccess: () => resolve(),
      }).start();
    });
    await waitFor("ready", async () => ((await videoRow(videoId)).status === "ready" ? true : undefined));
    expect((await bucketKeys(`media/${videoId}/`)).length).toBeGreaterThan(5);
    // Every key of the first two DeleteObjects comes back as an <Error> inside a 200.
    proxy.inject({
      match: (c) => c.operation === "DeleteObjects",
      faults: [{ kind: "delete-errors" }, { kind: "delete-errors" }],
    });
    await db().query("update videos set deleted_at = now() where id = $1", [videoId]);
    await db().query(enqueueQuery({ type: "purge_video", videoId, payload: {} }));
    await waitFor("the purge", async () => {
      const { rows } = await db().query<{ state: string }>(
        "select state from jobs where video_id = $1 and type = 'purge_video'",
        [videoId],
      );
      return rows[0]?.state === "done" ? true : undefined;
    });
    expect(proxy.injected.filter((i) => i.fault.kind === "delete-errors")).toHaveLength(2);
    expect(await bucketKeys(`media/${videoId}/`)).toEqual([]);
    expect(await bucketKeys(videoId)).toEqual([]);
  });
});

describe("the maintenance sweep under S3 faults", () => {
  it("assembles and records an upload whose completion failed and whose client left", async () => {
    // The first test's worker node must not take (and fail) this video's transcode.
    for (const fn of cleanups.splice(0).reverse()) await fn();
    const proxy = await startS3FaultProxy(inject("s3Endpoint"));
    cleanups.push(() => proxy.close());
    const { node, url } = await startNode({ S3_ENDPOINT: proxy.endpoint }, { work: false });
    cleanups.push(() => node.close());
    const { videoId, token } = await newVideo();
    const data = Buffer.alloc(6 * 1024 * 1024, 7);
    const tusHeaders = { "Tus-Resumable": "1.0.0", Authorization: `Bearer ${token}` };
    const created = await fetch(`${url}/files/`, {
      method: "POST",
      headers: { ...tusHeaders, "Upload-Length": String(data.length) },
    });
    expect(created.status).toBe(201);
    // S3 refuses to assemble the parts, past every retry: the PATCH fails with all bytes stored.
    proxy.inject({
      match: (c) => c.operation === "CompleteMultipartUpload",
      faults: Array.from({ length: 20 }, () => ({ kind: "slowdown" as const })),
    });
    const patch = await fetch(`${url}/files/${videoId}`, {
      method: "PATCH",
      headers: { ...tusHeaders, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream" },
      body: data,
    });
    expect(patch.status).toBeGreaterThanOrEqual(500);
    proxy.clear();
    expect((await videoRow(videoId)).status).toBe("uploading");
    expect(await bucketKeys(videoId)).not.toContain(videoId);

    // The client never sends the HEAD that would assemble it. While the upload is fresh the
    // sweep leaves it alone (a client may be about to); once it has been quiet, it finishes it.
    await node.runMaintenance();
    expect((await videoRow(videoId)).status).toBe("uploading");
    await db().query("update videos set upload_activity_at = now() - interval '2 minutes' where id = $1", [
      videoId,
    ]);
    await node.runMaintenance();
    expect(await videoRow(videoId)).toMatchObject({
      status: "processing",
      source_bytes: String(data.length),
    });
    expect(await bucketKeys(videoId)).toContain(videoId);
  });
});
