/**
 * Jobs survive their workers: a node killed with SIGKILL mid-transcode loses its lease and
 * another node finishes the job; a node asked to stop (SIGTERM) hands its job back. The
 * video is published once, with no orphan objects from the dead attempt.
 */
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, describe, expect, it } from "vitest";
import { closeDb, db, newVideo, startNode, testS3 } from "./support/farm-env.ts";
import { spawnFarm } from "./support/farm-process.ts";
import { fixtures } from "./support/fixtures.ts";
import { tusUpload } from "./support/tus-upload.ts";
import { waitFor } from "./support/wait-for.ts";

afterAll(closeDb);

const jobOf = async (videoId: string) =>
  (
    await db().query<{ state: string; attempts: number; locked_by: string | null }>(
      "select state, attempts, locked_by from jobs where video_id = $1 and type = 'transcode'",
      [videoId],
    )
  ).rows[0];

const videoOf = async (videoId: string) =>
  (
    await db().query<{ status: string; progress: number; storage_prefix: string | null }>(
      "select status, progress, storage_prefix from videos where id = $1",
      [videoId],
    )
  ).rows[0]!;

describe("job recovery", () => {
  it("finishes a job on another node after its worker is killed with SIGKILL mid-transcode", {
    timeout: 180_000,
  }, async () => {
    // An upload-only node takes the file; the job waits for a worker.
    const uploader = await startNode();
    const { videoId, token } = await newVideo();
    await tusUpload(uploader.url, token, fixtures.landscape(20));
    await uploader.node.close();

    const doomed = await spawnFarm({ FARM_NODE_ID: "doomed", JOB_LEASE_MS: "3000", JOB_POLL_MS: "100" });
    await waitFor("the doomed node to be encoding", async () => {
      const video = await videoOf(videoId);
      const job = await jobOf(videoId);
      return job?.locked_by === "doomed" && video.progress > 2 ? true : undefined;
    });
    await doomed.stop("SIGKILL");
    expect((await jobOf(videoId))?.state).toBe("running"); // nobody said otherwise: only the lease can tell

    const rescuer = await startNode(
      { FARM_NODE_ID: "rescuer", JOB_LEASE_MS: "3000", JOB_POLL_MS: "100" },
      { work: true },
    );
    try {
      const video = await waitFor(
        "the video to be ready",
        async () => {
          const v = await videoOf(videoId);
          return v.status === "ready" || v.status === "failed" ? v : undefined;
        },
        120_000,
      );
      expect(video.status).toBe("ready");
      expect(await jobOf(videoId)).toMatchObject({ state: "done", attempts: 2, locked_by: "rescuer" });
      // The winning attempt's files, and the killed one's only on their way out: it had published
      // its first segments (viewers may be playing them), so it is retired after the grace.
      const { rows: retiring } = await db().query<{ prefixes: string[] }>(
        "select payload->'prefixes' as prefixes from jobs where video_id = $1 and type = 'retire_media' and state = 'queued'",
        [videoId],
      );
      const retired = new Set(retiring.flatMap((r) => r.prefixes.map((p) => p.slice(0, -1))));
      const s3 = testS3();
      const listed = await s3.send(
        new ListObjectsV2Command({ Bucket: "movio", Prefix: `media/${videoId}/` }),
      );
      s3.destroy();
      const prefixes = new Set(
        (listed.Contents ?? []).map((c) => (c.Key ?? "").split("/").slice(0, 3).join("/")),
      );
      expect([...prefixes].filter((p) => !retired.has(p))).toEqual([video.storage_prefix?.slice(0, -1)]);
      expect([...retired]).not.toContain(video.storage_prefix?.slice(0, -1));
      expect(video.storage_prefix).toMatch(/\/2-[0-9a-f]{8}\/$/);
    } finally {
      await rescuer.node.close();
    }
  });

  it("hands a running job back to the queue on SIGTERM and exits cleanly", { timeout: 120_000 }, async () => {
    const uploader = await startNode();
    const { videoId, token } = await newVideo();
    await tusUpload(uploader.url, token, fixtures.landscape(20));
    await uploader.node.close();

    const leaving = await spawnFarm({
      FARM_NODE_ID: "leaving",
      SHUTDOWN_GRACE_MS: "300",
      JOB_POLL_MS: "100",
    });
    await waitFor("the node to be encoding", async () => {
      const job = await jobOf(videoId);
      return job?.locked_by === "leaving" && (await videoOf(videoId)).progress > 2 ? true : undefined;
    });
    const code = await leaving.stop("SIGTERM");
    expect(code).toBe(0);
    expect(await jobOf(videoId)).toMatchObject({ state: "queued", attempts: 0, locked_by: null });
    expect((await videoOf(videoId)).status).toBe("processing");
    expect(leaving.output()).toContain("handed back to the queue");
  });
});
