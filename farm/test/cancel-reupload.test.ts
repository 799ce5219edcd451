/**
 * No video is left `processing` without a job: an admin cancels a running transcode (the
 * edge's AdminActions: the video fails, the job only gets `cancel_requested_at` until its
 * runner's next heartbeat), the owner reopens the video at once (the edge's VideoService
 * issues a new ticket) and uploads again before that runner noticed. The new upload's
 * transcode must be queued — not dropped as a duplicate of the cancelled one — and the
 * video must become ready. The edge's services run in Node over the local `POST /sql`
 * endpoint, as in the search contract tests.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startWsBridge, type WsBridge } from "../../scripts/local/ws-bridge.ts";
import type { FarmNode } from "../src/farm-node.ts";
import { type Job, JobQueue } from "../src/queue/job-queue.ts";
import { edgeServices } from "./support/edge-services.ts";
import { closeDb, db, newVideo, startNode, videoRow } from "./support/farm-env.ts";
import { fixtures } from "./support/fixtures.ts";
import { tusUpload } from "./support/tus-upload.ts";
import { waitFor } from "./support/wait-for.ts";

let bridge: WsBridge;
let uploads: { node: FarmNode; url: string };
const nodes: FarmNode[] = [];

beforeAll(async () => {
  bridge = await startWsBridge({ port: 0, database: new URL(inject("databaseUrl")).host });
  // Takes uploads only: which node runs the first transcode is up to the test.
  uploads = await startNode({ JOB_POLL_MS: "50" }, { work: false });
  nodes.push(uploads.node);
});
afterAll(async () => {
  for (const node of nodes) await node.close();
  await bridge.close();
  await closeDb();
});

interface AdminCancel {
  cancel(id: number, admin: { id: string; email: string }): Promise<{ outcome: string }>;
}

/** Another node's runner takes this video's transcode (and only it) and keeps it running. */
async function takeTranscode(queue: JobQueue, videoId: string): Promise<Job<"transcode">> {
  return waitFor(
    "the video's transcode job",
    async () => {
      const { rows } = await db().query<{ id: string }>(
        "select id from jobs where video_id = $1 and type = 'transcode' and state = 'queued'",
        [videoId],
      );
      if (!rows[0]) return undefined;
      // Older queued transcodes (other test files) are pushed back so the claim takes ours.
      await db().query(
        "update jobs set run_at = now() + interval '1 hour' where type = 'transcode' and state = 'queued' and id <> $1",
        [rows[0].id],
      );
      return queue.claim("transcode");
    },
    10_000,
  );
}

describe("an admin's cancel followed at once by a new upload", () => {
  it("leaves the video processing with a queued transcode, and it becomes ready", async () => {
    const { videos, admin } = await edgeServices<AdminCancel>(bridge, "cancel-reupload-test-secret-4b2a");
    const { videoId, ownerId, token } = await newVideo();
    const { rows: admins } = await db().query<{ id: string; email: string }>(
      "insert into users (email, password_hash, display_name, role) values ($1, 'x', 'Admin', 'admin') returning id, email",
      [`admin-${crypto.randomUUID()}@example.com`],
    );
    await tusUpload(uploads.url, token, fixtures.portrait());

    // A runner on another node is mid-transcode; its next heartbeat is a while off.
    const other = new JobQueue(db(), "other-node", 60_000);
    const running = await takeTranscode(other, videoId);
    expect(running.videoId).toBe(videoId);

    const cancelled = await admin.cancel(running.id, admins[0]!);
    expect(cancelled.outcome).toBe("cancel_requested");
    expect((await videoRow(videoId)).status).toBe("failed");

    // The owner reopens the video and uploads again before that runner saw the cancel.
    const ticket = await videos.reissueUpload(videoId, { id: ownerId, role: "viewer" });
    await tusUpload(uploads.url, ticket.token, fixtures.landscape(2, "320x240"));

    expect((await videoRow(videoId)).status).toBe("processing");
    const { rows: active } = await db().query<{ id: string; state: string }>(
      `select id, state from jobs where video_id = $1 and type = 'transcode'
         and state in ('queued', 'running') and cancel_requested_at is null`,
      [videoId],
    );
    expect(active).toHaveLength(1);
    expect(Number(active[0]!.id)).not.toBe(running.id);

    // The cancelled attempt can no longer settle anything: its runner stops at its heartbeat,
    // and its give-up (which would fail the video) is refused by the fence.
    expect(await other.heartbeat(running)).toBe("lost");
    expect(await other.fail(running, "stopped", undefined)).toBeNull();
    const { rows: old } = await db().query<{ state: string }>("select state from jobs where id = $1", [
      running.id,
    ]);
    expect(old[0]!.state).toBe("cancelled");

    // A worker takes the new upload's transcode to the end.
    const worker = await startNode({ JOB_POLL_MS: "50" }, { work: true });
    nodes.push(worker.node);
    const settled = await waitFor(
      "the video to settle",
      async () => {
        const row = await videoRow(videoId);
        return row.status === "ready" || row.status === "failed" ? row : undefined;
      },
      90_000,
    );
    expect(settled.status).toBe("ready");
  }, 120_000);
});
