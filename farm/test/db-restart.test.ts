/**
 * Postgres restarted under a working farm node, as the node sees it: its DATABASE_URL goes
 * through a TCP proxy that is cut for a few seconds (every connection dropped, new ones
 * refused), then restored. Meanwhile a transcode is encoding and an upload is streaming.
 * The node reconnects and carries on: the job is taken again (not lost, not run twice to
 * completion), the video ends ready, and the upload resumes and completes byte-identical.
 * The shared embedded Postgres itself is never restarted, so other test files are unaffected.
 */
import { randomBytes } from "node:crypto";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import * as tus from "tus-js-client";
import { afterAll, describe, expect, inject, it } from "vitest";
import {
  closeDb,
  db,
  newVideo,
  sha256,
  startNode,
  storedObjectHash,
  testS3,
  videoRow,
} from "./support/farm-env.ts";
import { fixtures } from "./support/fixtures.ts";
import { startTcpProxy } from "./support/tcp-proxy.ts";
import { tusUpload } from "./support/tus-upload.ts";
import { waitFor } from "./support/wait-for.ts";

const MiB = 1024 * 1024;
const cleanups: (() => Promise<unknown>)[] = [];
const logs: string[] = [];
afterAll(async () => {
  for (const fn of cleanups.reverse()) await fn();
  await closeDb();
});

/**
 * A tus upload whose chunks leave `pauseMs` apart, so it is still going when the database
 * goes away (tus-js-client reads the file through this, and re-reads a chunk to retry it).
 */
function pacedUpload(url: string, token: string, data: Buffer, chunkSize: number, pauseMs: number) {
  const fileReader = {
    openFile: async () => ({
      size: data.length,
      slice: async (start: number, end: number) => {
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
        // tus-js-client reads the slice's length from `size`, as its own Buffer source sets it.
        const value = Object.assign(data.subarray(start, end), { size: Math.min(end, data.length) - start });
        return { value, done: end >= data.length };
      },
      close: () => undefined,
    }),
  };
  let retries = 0;
  const done = new Promise<void>((resolve, reject) => {
    new tus.Upload(data, {
      endpoint: `${url}/files/`,
      headers: { Authorization: `Bearer ${token}` },
      chunkSize,
      fileReader,
      retryDelays: [200, 500, 1000, 1000, 2000, 2000, 3000, 3000, 3000, 3000],
      onShouldRetry: (err) => {
        retries++;
        logs.push(`client retries: ${err.message.slice(0, 300)}`);
        return true;
      },
      onError: (err) => reject(new Error(`${err.message}\n${logs.slice(-40).join("\n")}`)),
      onSuccess: () => resolve(),
    }).start();
  });
  return { done, retries: () => retries };
}

describe("Postgres restarted mid-job and mid-upload", () => {
  it("reconnects, takes the job again, finishes it once, and the upload resumes to completion", {
    timeout: 240_000,
  }, async () => {
    const { hostname, port } = new URL(inject("databaseUrl"));
    const proxy = await startTcpProxy(hostname, Number(port));
    cleanups.push(() => proxy.close());
    const databaseUrl = new URL(inject("databaseUrl"));
    databaseUrl.port = String(proxy.port);
    const { node, url } = await startNode(
      {
        DATABASE_URL: databaseUrl.toString(),
        DB_TIMEOUT_MS: "1000",
        JOB_LEASE_MS: "2000",
        JOB_POLL_MS: "100",
        UPLOAD_LOCK_WAIT_MS: "1000",
        // No grace for replaced media here: the earlier attempt's files go right after the
        // publish (media-retire.test.ts covers the grace itself).
        SUPERSEDED_MEDIA_GRACE_S: "0",
      },
      { work: true, log: (line) => logs.push(line) },
    );
    cleanups.push(() => node.close());

    // A transcode that is encoding when the database goes away.
    const encoding = await newVideo();
    await tusUpload(url, encoding.token, fixtures.landscape(20, "640x360"));
    await waitFor("encoding", async () =>
      (await videoRow(encoding.videoId)).progress > 5 ? true : undefined,
    );

    // An upload that is streaming when the database goes away.
    const uploading = await newVideo();
    const data = randomBytes(10 * MiB + 777);
    const upload = pacedUpload(url, uploading.token, data, MiB, 300);
    await waitFor("the upload under way", async () =>
      (await videoRow(uploading.videoId)).progress > 0 ? true : undefined,
    );

    // "Restart": every connection dropped, new ones refused, for twice the job lease.
    proxy.cut();
    await new Promise((resolve) => setTimeout(resolve, 5000));
    proxy.restore();

    await upload.done;
    expect(upload.retries()).toBeGreaterThan(0); // the cut reached the upload, and it resumed
    await waitFor("the finish recorded", async () =>
      (await videoRow(uploading.videoId)).status !== "uploading" ? true : undefined,
    );
    expect(await storedObjectHash(uploading.videoId)).toBe(sha256(data));
    expect(await videoRow(uploading.videoId)).toMatchObject({ source_bytes: String(data.length) });

    await waitFor("ready", async () => {
      const { status } = await videoRow(encoding.videoId);
      if (status === "failed") throw new Error(`the video failed\n${logs.slice(-40).join("\n")}`);
      return status === "ready" ? true : undefined;
    });
    // One job, taken again after the node lost its lease, done once.
    const { rows: jobs } = await db().query<{ state: string; attempts: number }>(
      "select state, attempts from jobs where video_id = $1 and type = 'transcode'",
      [encoding.videoId],
    );
    // (Attempt 1 stops on the lost lease, or fails on a database error first: either way retried.)
    expect(jobs).toEqual([{ state: "done", attempts: 2 }]);
    // Published once: every stored file is under the attempt that published.
    const { rows: video } = await db().query<{ storage_prefix: string }>(
      "select storage_prefix from videos where id = $1",
      [encoding.videoId],
    );
    const prefix = video[0]!.storage_prefix;
    expect(prefix).toMatch(new RegExp(`^media/${encoding.videoId}/2-`));
    const s3 = testS3();
    try {
      const keys = async () =>
        (
          (await s3.send(new ListObjectsV2Command({ Bucket: "movio", Prefix: `media/${encoding.videoId}/` })))
            .Contents ?? []
        ).map((c) => c.Key ?? "");
      expect((await keys()).length).toBeGreaterThan(5);
      // Attempt 1 may have published its first rendition (first playable) before it lost the
      // job: its files stay until the attempt that publishes retires them (at once here).
      await waitFor("the earlier attempt's files removed", async () =>
        (await keys()).every((k) => k.startsWith(prefix)) ? true : undefined,
      );
    } finally {
      s3.destroy();
    }
    const { rows: renditions } = await db().query<{ n: string }>(
      "select count(*) as n from renditions where video_id = $1",
      [encoding.videoId],
    );
    expect(Number(renditions[0]!.n)).toBe(3); // 360p, 240p and audio, once each
    // The node is healthy again: database and upload locking both up.
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ ok: true, db: "up", locking: "up" });
  });

  it("answers a resume (HEAD) it cannot read with 423, never 404, so the client retries instead of starting over", async () => {
    const { node, url } = await startNode();
    cleanups.push(() => node.close());
    const { videoId, token } = await newVideo();
    const headers = { "Tus-Resumable": "1.0.0", Authorization: `Bearer ${token}` };
    const created = await fetch(`${url}/files/`, {
      method: "POST",
      headers: { ...headers, "Upload-Length": "1000" },
    });
    expect(created.status).toBe(201);
    const head = () => fetch(`${url}/files/${videoId}`, { method: "HEAD", headers });
    // The upload's state (tus's cache) unreadable while the rest of the database answers.
    await db().query("alter table tus_uploads rename to tus_uploads_away");
    try {
      const unreadable = await head();
      expect(unreadable.status).toBe(423);
    } finally {
      await db().query("alter table tus_uploads_away rename to tus_uploads");
    }
    const readable = await head();
    expect(readable.status).toBe(200);
    expect(readable.headers.get("upload-offset")).toBe("0");
  });
});
