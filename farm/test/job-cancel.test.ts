/**
 * An admin's cancel of a running job (the edge sets `cancel_requested_at`, see
 * edge/src/services/admin-service.ts): the runner stops it at its next heartbeat, nothing it
 * produced is kept (completion and publishing are refused by the fence), it is never retried
 * or retaken, and its attempt is recorded as cancelled.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { enqueueQuery } from "../../shared/jobs/enqueue.ts";
import { JOB_TYPES } from "../../shared/jobs/job-types.ts";
import type { JobPolicies, JobPolicy } from "../src/queue/job-policies.ts";
import { type Job, JobQueue } from "../src/queue/job-queue.ts";
import { type JobContext, JobRunner } from "../src/queue/job-runner.ts";
import { VideoStore } from "../src/transcode/video-store.ts";
import { closeDb, db, newVideo } from "./support/farm-env.ts";
import { waitFor } from "./support/wait-for.ts";

type Behaviour = (job: Job, ctx: JobContext) => Promise<void>;
const behaviours = new Map<number, Behaviour>();
const runners: JobRunner[] = [];
const logs: string[] = [];

const policy: JobPolicy = {
  attempts: 3,
  timeoutMs: 30_000,
  concurrency: 1,
  backoffBaseMs: 100,
  backoffCapMs: 200,
  stopsWhenVideoDeleted: true,
};

function startRunner(leaseMs: number) {
  const queue = new JobQueue(db(), "cancel-test", leaseMs);
  const policies = Object.fromEntries(JOB_TYPES.map((type) => [type, policy])) as JobPolicies;
  const runner = new JobRunner(
    queue,
    policies,
    {
      transcode: {
        run: async (job, ctx) => {
          const behaviour = behaviours.get(job.id);
          if (behaviour) await behaviour(job, ctx);
        },
      },
    },
    { pollMs: 50, leaseMs, log: (line) => logs.push(line) },
  );
  runner.start();
  runners.push(runner);
  return queue;
}

async function enqueue(videoId: string | null = null): Promise<number> {
  const { rows } = await db().query<{ id: string }>(
    enqueueQuery({ type: "transcode", videoId, payload: { sourceKey: "k" } }),
  );
  return Number(rows[0]!.id);
}

const jobRow = async (id: number) =>
  (
    await db().query<{ state: string; last_error: string | null; finished_at: Date | null }>(
      "select state, last_error, finished_at from jobs where id = $1",
      [id],
    )
  ).rows[0]!;

const stateIs = (id: number, state: string) => async () => {
  const row = await jobRow(id);
  return row.state === state ? row : undefined;
};

/** What the admin API does to a running job. */
const requestCancel = (id: number) =>
  db().query("update jobs set cancel_requested_at = now() where id = $1 and state = 'running'", [id]);

const attemptsOf = async (id: number) =>
  (
    await db().query<{ attempt: number; node: string; outcome: string | null; finished: boolean }>(
      "select attempt, node, outcome, finished_at is not null as finished from job_attempts where job_id = $1 order by id",
      [id],
    )
  ).rows;

beforeAll(async () => {
  await db().query("update jobs set state = 'cancelled' where state in ('queued', 'running')");
});

afterEach(async () => {
  for (const runner of runners.splice(0)) await runner.stop(100);
  await db().query("update jobs set state = 'cancelled' where state in ('queued', 'running')");
});

afterAll(async () => {
  await closeDb();
});

describe("cancelling a running job", () => {
  it("stops it at the next heartbeat and settles it cancelled, never retried", async () => {
    const id = await enqueue();
    let abortedWith: unknown;
    let stoppedAt = 0;
    behaviours.set(
      id,
      (_job, ctx) =>
        new Promise<void>((_, reject) =>
          ctx.signal.addEventListener("abort", () => {
            abortedWith = ctx.signal.reason;
            stoppedAt = Date.now();
            reject(ctx.signal.reason);
          }),
        ),
    );
    startRunner(800); // heartbeat every 200 ms
    await waitFor("running", stateIs(id, "running"));
    const askedAt = Date.now();
    await requestCancel(id);
    const cancelled = await waitFor("cancelled", stateIs(id, "cancelled"), 5000);
    expect(String(abortedWith)).toMatch(/cancelled by an admin/);
    expect(stoppedAt - askedAt).toBeLessThan(1000); // one heartbeat, not a lease
    expect(cancelled).toMatchObject({ last_error: "cancelled by an admin" });
    expect(cancelled.finished_at).not.toBeNull();
    expect(await attemptsOf(id)).toEqual([
      { attempt: 1, node: "cancel-test", outcome: "cancelled", finished: true },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await jobRow(id)).state).toBe("cancelled"); // not queued again
  });

  it("refuses the completion of a job cancelled before its heartbeat noticed", async () => {
    const id = await enqueue();
    let release: () => void = () => undefined;
    const finish = new Promise<void>((resolve) => {
      release = resolve;
    });
    behaviours.set(id, () => finish); // ends normally, as if its work were done
    startRunner(60_000); // no heartbeat during the test
    await waitFor("running", stateIs(id, "running"));
    await requestCancel(id);
    release();
    expect(await waitFor("cancelled", stateIs(id, "cancelled"), 5000)).toMatchObject({
      last_error: "cancelled by an admin",
    });
    expect(logs.some((line) => /cancelled by an admin; its result was not kept/.test(line))).toBe(true);
  });

  it("says cancelled, not retry, for an attempt that failed after the cancel", async () => {
    const id = await enqueue();
    let fail: (err: Error) => void = () => undefined;
    const failing = new Promise<void>((_, reject) => {
      fail = reject;
    });
    behaviours.set(id, () => failing); // fails on its own, as a fenced publish does
    startRunner(60_000); // no heartbeat during the test
    await waitFor("running", stateIs(id, "running"));
    await requestCancel(id);
    fail(new Error("the publish was refused"));
    await waitFor("cancelled", stateIs(id, "cancelled"), 5000);
    await waitFor("its line", async () =>
      logs.find((line) => line.includes(`#${id}`) && /cancelled by an admin/.test(line)),
    );
    expect(logs.filter((line) => line.includes(`#${id}`) && /retry in/.test(line))).toEqual([]);
  });

  it("keeps a cancelled transcode from publishing its video (the publish is fenced)", async () => {
    const { videoId } = await newVideo();
    await db().query("update videos set status = 'processing', source_key = 'k' where id = $1", [videoId]);
    const id = await enqueue(videoId);
    const queue = new JobQueue(db(), "publisher", 30_000);
    const job = await queue.claim("transcode");
    expect(job?.id).toBe(id);
    await requestCancel(id);
    const published = await new VideoStore(db()).publish(queue, job!, {
      prefix: `media/${videoId}/1-x/`,
      durationMs: 1000,
      media: { dash: "manifest.mpd", hls: "master.m3u8", poster: null, storyboard: null },
      renditions: [],
      subtitlesVersion: 0,
    });
    expect(published).toBe(false);
    const { rows } = await db().query("select status from videos where id = $1", [videoId]);
    expect(rows[0]).toEqual({ status: "processing" });
    // A failure reported after the cancel ends it cancelled too, not queued for a retry.
    // The admin's reason stays the job's error; the attempt keeps what it ended with.
    expect(await queue.fail(job!, "boom", 100)).toBe("cancelled");
    expect(await jobRow(id)).toMatchObject({ state: "cancelled", last_error: "cancelled by an admin" });
    const { rows: attempts } = await db().query(
      "select outcome, error from job_attempts where job_id = $1 order by id",
      [id],
    );
    expect(attempts).toEqual([{ outcome: "cancelled", error: "boom" }]);
  });

  it("settles a cancelled job whose runner vanished once its lease lapses; nobody retakes it", async () => {
    const id = await enqueue();
    const gone = new JobQueue(db(), "vanished-node", 200);
    expect((await gone.claim("transcode"))?.id).toBe(id);
    await requestCancel(id);
    await new Promise((resolve) => setTimeout(resolve, 300)); // the lease lapses
    const other = new JobQueue(db(), "other-node", 1000);
    expect(await other.claim("transcode")).toBeUndefined();
    expect(await other.settleAbandonedCancels()).toBe(1);
    expect((await jobRow(id)).state).toBe("cancelled");
    expect(await attemptsOf(id)).toEqual([
      { attempt: 1, node: "vanished-node", outcome: "lost", finished: true },
    ]);
  });
});
