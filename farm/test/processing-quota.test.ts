/**
 * The per-user processing quota (PROCESSING_MINUTES_PER_DAY): minutes of source charged to a
 * ledger once the probe knows the duration, counted over a rolling 24 hours, deleted videos
 * included; a transcode past it fails its video with `quota_exceeded` before any encoding.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { Job } from "../src/queue/job-queue.ts";
import { ProcessingQuota } from "../src/transcode/processing-quota.ts";
import { closeDb, db, newVideo, startNode } from "./support/farm-env.ts";
import { fixtures } from "./support/fixtures.ts";
import { tusUpload } from "./support/tus-upload.ts";
import { waitFor } from "./support/wait-for.ts";

afterAll(closeDb);

let fakeJobId = -Math.floor(Math.random() * 1e9) - 1;
/** A transcode job as the handler sees it (the ledger needs only its id). */
const jobFor = (videoId: string): Job<"transcode"> => ({
  id: fakeJobId--,
  type: "transcode",
  videoId,
  payload: { sourceKey: videoId },
  attempts: 1,
  lockedBy: "quota-test",
});

/** Another video of the same owner. */
async function anotherVideo(ownerId: string): Promise<string> {
  const { rows } = await db().query<{ id: string }>(
    "insert into videos (owner_id, title, visibility, status) values ($1, 'Second', 'public', 'processing') returning id",
    [ownerId],
  );
  return rows[0]!.id;
}

const used = async (ownerId: string) =>
  Number(
    (
      await db().query<{ ms: string }>(
        "select coalesce(sum(source_ms), 0) as ms from processing_usage where user_id = $1",
        [ownerId],
      )
    ).rows[0]!.ms,
  );

describe("processing quota", () => {
  it("charges each transcode once and refuses the one that would go over, deleted videos counted", async () => {
    const quota = new ProcessingQuota(db(), 1); // one minute per 24 hours
    const { videoId, ownerId } = await newVideo();
    const first = jobFor(videoId);
    await quota.charge(first, videoId, 40_000);
    // A retried job is not charged again.
    await quota.charge(first, videoId, 40_000);
    expect(await used(ownerId)).toBe(40_000);

    // Deleting the video gives nothing back.
    await db().query("update videos set deleted_at = now() where id = $1", [videoId]);
    const second = await anotherVideo(ownerId);
    await expect(quota.charge(jobFor(second), second, 30_000)).rejects.toMatchObject({
      code: "quota_exceeded",
      message: expect.stringMatching(/quota of 1 minutes of video per 24 hours \(1 min used\)/),
    });
    expect(await used(ownerId)).toBe(40_000);
    // What still fits is accepted.
    await quota.charge(jobFor(second), second, 20_000);
    expect(await used(ownerId)).toBe(60_000);

    // Another user has a quota of their own.
    const other = await newVideo();
    await quota.charge(jobFor(other.videoId), other.videoId, 50_000);

    // Charges older than 24 hours no longer count.
    await db().query(
      "update processing_usage set charged_at = now() - interval '25 hours' where user_id = $1",
      [ownerId],
    );
    await quota.charge(jobFor(second), second, 30_000);
    expect(await used(ownerId)).toBe(90_000);
  });

  it("serialises one user's parallel charges: together they never exceed the quota", async () => {
    const quota = new ProcessingQuota(db(), 1);
    const { videoId, ownerId } = await newVideo();
    const results = await Promise.allSettled(
      Array.from({ length: 4 }, () => quota.charge(jobFor(videoId), videoId, 25_000)),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(2);
    expect(await used(ownerId)).toBe(50_000);
  });

  it("fails an uploaded video past the owner's quota with quota_exceeded, before encoding", async () => {
    const { node, url } = await startNode(
      { PROCESSING_MINUTES_PER_DAY: "1", JOB_POLL_MS: "50" },
      { work: true },
    );
    try {
      const { videoId, ownerId, token } = await newVideo();
      // 59 s already used today, on a video since deleted.
      await db().query(
        "insert into processing_usage (user_id, video_id, job_id, source_ms) values ($1, gen_random_uuid(), $2, 59000)",
        [ownerId, fakeJobId--],
      );
      await tusUpload(url, token, fixtures.portrait());
      const settled = await waitFor(
        "the video to settle",
        async () => {
          const { rows } = await db().query<{ status: string; error_code: string | null; media: unknown }>(
            "select status, error_code, media from videos where id = $1",
            [videoId],
          );
          return rows[0]?.status === "failed" || rows[0]?.status === "ready" ? rows[0] : undefined;
        },
        30_000,
      );
      expect(settled).toMatchObject({ status: "failed", error_code: "quota_exceeded", media: null });
      expect(await used(ownerId)).toBe(59_000);
    } finally {
      await node.close();
    }
  });
});
