/**
 * The job runner with fake handlers that take milliseconds, on the real Postgres queue:
 * retries with backoff, give-up, timeouts, permanent errors, lease loss, a database that
 * fails or disappears while settling, shutdown hand-back, dedupe and priority.
 */
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { enqueueQuery } from "../../shared/jobs/enqueue.ts";
import { JOB_TYPES, type JobType } from "../../shared/jobs/job-types.ts";
import type { JobPolicies, JobPolicy } from "../src/queue/job-policies.ts";
import { type Job, JobQueue } from "../src/queue/job-queue.ts";
import { type JobContext, JobRunner, PermanentJobError } from "../src/queue/job-runner.ts";
import { closeDb, db, newVideo } from "./support/farm-env.ts";
import { startTcpProxy } from "./support/tcp-proxy.ts";
import { waitFor } from "./support/wait-for.ts";

type Behaviour = (job: Job, ctx: JobContext, attempt: number) => Promise<void>;

/** What each job (by id) does when run, and what happened to it. */
const behaviours = new Map<number, Behaviour>();
const gaveUp: { id: number; error: string }[] = [];
const logs: string[] = [];

const fastPolicy = (overrides: Partial<JobPolicy> = {}): JobPolicy => ({
  attempts: 3,
  timeoutMs: 10_000,
  concurrency: 1,
  backoffBaseMs: 100,
  backoffCapMs: 400,
  stopsWhenVideoDeleted: true,
  ...overrides,
});

const runners: JobRunner[] = [];
const pools: pg.Pool[] = [];

/** The real queue, counting the claims the runner makes. */
class CountingQueue extends JobQueue {
  claims = 0;
  override claim<T extends JobType>(type: T) {
    this.claims++;
    return super.claim(type);
  }
}

function startRunner(
  options: {
    policy?: Partial<JobPolicy>;
    leaseMs?: number;
    pool?: pg.Pool;
    pollMs?: number;
    queue?: (leaseMs: number) => JobQueue;
  } = {},
) {
  const leaseMs = options.leaseMs ?? 2000;
  const queue = options.queue?.(leaseMs) ?? new JobQueue(options.pool ?? db(), "test-runner", leaseMs);
  const handler = {
    run: async (job: Job, ctx: JobContext) => {
      const behaviour = behaviours.get(job.id);
      if (!behaviour) throw new PermanentJobError(`no behaviour for job ${job.id}`);
      await behaviour(job, ctx, job.attempts);
    },
    giveUp: async (job: Job, error: Error) => {
      gaveUp.push({ id: job.id, error: error.message });
    },
  };
  const policy = fastPolicy(options.policy);
  const policies = Object.fromEntries(JOB_TYPES.map((type) => [type, policy])) as JobPolicies;
  const runner = new JobRunner(
    queue,
    policies,
    // purge_video: a second type, whose loop sleeps while a transcode runs.
    { transcode: handler, purge_video: handler },
    { pollMs: options.pollMs ?? 50, leaseMs, log: (line) => logs.push(line), settleRetryMs: 50 },
  );
  runner.start();
  runners.push(runner);
  return runner;
}

async function enqueue(videoId: string | null = null): Promise<number> {
  const { rows } = await db().query<{ id: string }>(
    enqueueQuery({ type: "transcode", videoId, payload: { sourceKey: "k" } }),
  );
  return Number(rows[0]!.id);
}

const jobRow = async (id: number) =>
  (
    await db().query<{
      state: string;
      attempts: number;
      last_error: string | null;
      locked_by: string | null;
    }>("select state, attempts, last_error, locked_by from jobs where id = $1", [id])
  ).rows[0]!;

const stateIs = (id: number, state: string) => async () => {
  const row = await jobRow(id);
  return row.state === state ? row : undefined;
};

const untilAborted = (signal: AbortSignal) =>
  new Promise<never>((_, reject) =>
    signal.addEventListener("abort", () => reject(signal.reason), { once: true }),
  );

beforeAll(async () => {
  // Jobs other test files left queued would be claimed by these fake handlers.
  await db().query("update jobs set state = 'cancelled' where state in ('queued', 'running')");
});

afterEach(async () => {
  for (const runner of runners.splice(0)) await runner.stop(100);
  await db().query("update jobs set state = 'cancelled' where state in ('queued', 'running')");
});

afterAll(async () => {
  for (const pool of pools) await pool.end();
  await closeDb();
});

describe("job runner", () => {
  it("retries a failing job with growing, jittered backoff, then completes it", async () => {
    const id = await enqueue();
    const ranAt: number[] = [];
    behaviours.set(id, async (_job, _ctx, attempt) => {
      ranAt.push(Date.now());
      if (attempt < 3) throw new Error(`flaky ${attempt}`);
    });
    startRunner();
    const done = await waitFor("done", stateIs(id, "done"));
    expect(done.attempts).toBe(3);
    expect(done.last_error).toBeNull();
    // Retry 1 waits 50–100 ms, retry 2 waits 100–200 ms (base 100, jitter ½–1).
    expect(ranAt[1]! - ranAt[0]!).toBeGreaterThanOrEqual(45);
    expect(ranAt[2]! - ranAt[1]!).toBeGreaterThanOrEqual(95);
    expect(gaveUp.find((g) => g.id === id)).toBeUndefined();
  });

  it("gives up after the last attempt and runs the give-up hook once", async () => {
    const id = await enqueue();
    behaviours.set(id, async (_job, _ctx, attempt) => {
      throw new Error(`broken ${attempt}`);
    });
    startRunner({ policy: { attempts: 2 } });
    const failed = await waitFor("failed", stateIs(id, "failed"));
    expect(failed).toMatchObject({ attempts: 2, last_error: "broken 2" });
    await waitFor("give-up hook", async () => gaveUp.find((g) => g.id === id));
    expect(gaveUp.filter((g) => g.id === id)).toEqual([{ id, error: "broken 2" }]);
  });

  it("fails a permanent error at once, without retrying", async () => {
    const id = await enqueue();
    behaviours.set(id, async () => {
      throw new PermanentJobError("not a video");
    });
    startRunner();
    expect(await waitFor("failed", stateIs(id, "failed"))).toMatchObject({
      attempts: 1,
      last_error: "not a video",
    });
    await waitFor("give-up hook", async () => gaveUp.find((g) => g.id === id));
  });

  it("aborts an attempt that passes its timeout", async () => {
    const id = await enqueue();
    behaviours.set(id, (_job, ctx) => untilAborted(ctx.signal));
    startRunner({ policy: { timeoutMs: 200, attempts: 1 } });
    const failed = await waitFor("failed", stateIs(id, "failed"));
    expect(failed.last_error).toMatch(/timed out after 200 ms/);
  });

  it("stops a job whose lease another node took, and leaves it to that node", async () => {
    const id = await enqueue();
    let aborted: unknown;
    behaviours.set(id, async (_job, ctx) => {
      await untilAborted(ctx.signal).catch((reason) => {
        aborted = reason;
      });
      throw new Error("stopped");
    });
    startRunner({ leaseMs: 400 });
    await waitFor("running", stateIs(id, "running"));
    await db().query("update jobs set locked_by = 'other-node' where id = $1", [id]);
    await waitFor("the handler to be stopped", async () => aborted);
    expect(String(aborted)).toMatch(/lease lost/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await jobRow(id)).toMatchObject({ state: "running", locked_by: "other-node" });
  });

  it("says an attempt that failed after another node took the job was not settled, not retried", async () => {
    const id = await enqueue();
    let fail: (err: Error) => void = () => undefined;
    behaviours.set(
      id,
      () =>
        new Promise<void>((_, reject) => {
          fail = reject;
        }),
    );
    startRunner({ leaseMs: 60_000 }); // no heartbeat during the test
    await waitFor("running", stateIs(id, "running"));
    await db().query("update jobs set locked_by = 'other-node' where id = $1", [id]);
    fail(new Error("boom"));
    const mine = () => logs.filter((line) => line.includes(`#${id} `));
    await waitFor("its line", async () => mine().find((line) => /boom\); not settled here/.test(line)));
    expect(mine().filter((line) => /retry in/.test(line))).toEqual([]);
    expect(await jobRow(id)).toMatchObject({ state: "running", locked_by: "other-node" });
  });

  it("stops a job locally once it cannot renew its lease for a whole lease period", async () => {
    const { hostname, port } = new URL(inject("databaseUrl"));
    const proxy = await startTcpProxy(hostname, Number(port));
    const url = new URL(inject("databaseUrl"));
    url.port = String(proxy.port);
    const pool = new pg.Pool({ connectionString: url.toString(), connectionTimeoutMillis: 300, max: 2 });
    pool.on("error", () => undefined);
    pools.push(pool);
    const id = await enqueue();
    let abortedAt = 0;
    behaviours.set(id, async (_job, ctx) => {
      await untilAborted(ctx.signal).catch(() => {
        abortedAt = Date.now();
      });
      throw new Error("stopped");
    });
    startRunner({ leaseMs: 600, pool });
    await waitFor("running", stateIs(id, "running"));
    const cutAt = Date.now();
    proxy.cut();
    await waitFor("the handler to be stopped", async () => abortedAt || undefined, 5000);
    expect(abortedAt - cutAt).toBeGreaterThanOrEqual(450);
    expect(logs.some((line) => /could not renew the lease/.test(line))).toBe(true);
    await proxy.close();
  });

  it("retries a settle that hits a database error instead of crashing", async () => {
    const id = await enqueue();
    // A real database error on the first attempt to mark this job done (sequences are not
    // rolled back, so the trigger fires exactly once).
    await db().query(`
      create sequence if not exists settle_fault_seq;
      create or replace function settle_fault() returns trigger language plpgsql as $$
      begin
        if new.state = 'done' and new.id = ${id} and nextval('settle_fault_seq') = 1 then
          raise exception 'injected settle fault';
        end if;
        return new;
      end $$;
      create trigger settle_fault before update on jobs for each row execute function settle_fault();`);
    try {
      behaviours.set(id, async () => undefined);
      startRunner();
      expect(await waitFor("done", stateIs(id, "done"))).toMatchObject({ attempts: 1 });
      expect(logs.some((line) => /settle failed: injected settle fault/.test(line))).toBe(true);
    } finally {
      await db().query(
        "drop trigger settle_fault on jobs; drop function settle_fault(); drop sequence settle_fault_seq",
      );
    }
  });

  it("hands a running job back on shutdown without counting the attempt", async () => {
    const id = await enqueue();
    behaviours.set(id, (_job, ctx) => untilAborted(ctx.signal));
    const runner = startRunner();
    await waitFor("running", stateIs(id, "running"));
    await runner.stop(100);
    expect(await jobRow(id)).toMatchObject({ state: "queued", attempts: 0, locked_by: null });
  });

  it("cancels a running job whose video is deleted", async () => {
    const { videoId } = await newVideo();
    const id = await enqueue(videoId);
    behaviours.set(id, (_job, ctx) => untilAborted(ctx.signal));
    startRunner({ leaseMs: 400 });
    await waitFor("running", stateIs(id, "running"));
    await db().query("update videos set deleted_at = now() where id = $1", [videoId]);
    const cancelled = await waitFor("cancelled", stateIs(id, "cancelled"));
    expect(cancelled.last_error).toMatch(/deleted/);
    expect(gaveUp.find((g) => g.id === id)).toBeUndefined();
  });

  it("keeps one active job per type and video, and queues again once it settled", async () => {
    const { videoId } = await newVideo();
    const first = await enqueue(videoId);
    const again = await db().query(enqueueQuery({ type: "transcode", videoId, payload: { sourceKey: "k" } }));
    expect(again.rowCount).toBe(0);
    behaviours.set(first, async () => undefined);
    startRunner();
    await waitFor("done", stateIs(first, "done"));
    const later = await enqueue(videoId);
    expect(later).toBeGreaterThan(first);
  });

  it("refuses a payload that does not match its type", async () => {
    expect(() =>
      enqueueQuery({ type: "transcode", videoId: null, payload: {} as { sourceKey: string } }),
    ).toThrow();
    const { rows } = await db().query<{ id: string }>(
      "insert into jobs (type, payload) values ('transcode', '{\"sourceKey\": 42}') returning id",
    );
    const id = Number(rows[0]!.id);
    startRunner();
    expect((await waitFor("failed", stateIs(id, "failed"))).last_error).toMatch(/invalid payload/);
  });

  it("runs higher-priority jobs first, then the oldest", async () => {
    const order: number[] = [];
    const ids = [await enqueue(), await enqueue(), await enqueue()];
    await db().query("update jobs set priority = 5 where id = $1", [ids[2]]);
    for (const id of ids) {
      behaviours.set(id, async () => {
        order.push(id);
      });
    }
    startRunner();
    for (const id of ids) await waitFor("done", stateIs(id, "done"));
    expect(order).toEqual([ids[2], ids[0], ids[1]]);
  });

  it("claims a job another job queued as soon as that job ends, not at the next poll", async () => {
    const first = await enqueue();
    let followUp = 0;
    let endedAt = 0;
    behaviours.set(first, async () => {
      await new Promise((resolve) => setTimeout(resolve, 300)); // the purge loop found nothing, sleeps
      const { rows } = await db().query<{ id: string }>(
        enqueueQuery({ type: "purge_video", videoId: null, payload: {} }),
      );
      followUp = Number(rows[0]!.id);
      behaviours.set(followUp, async () => {});
      endedAt = Date.now();
    });
    // A minute between polls: the purge loop, idle while the transcode runs, would wait that long.
    startRunner({ pollMs: 60_000 });
    await waitFor(
      "the follow-up done",
      async () => (followUp ? stateIs(followUp, "done")() : undefined),
      10_000,
    );
    const { rows } = await db().query<{ started: Date }>(
      "select started_at as started from job_attempts where job_id = $1",
      [followUp],
    );
    expect(rows[0]!.started.getTime() - endedAt).toBeLessThan(2000);
  });

  it("asks the queue once per type and poll, not once per idle loop; work found wakes the type's others", async () => {
    let queue: CountingQueue | undefined;
    // Four loops for each of the two types, a poll every 200 ms.
    startRunner({
      policy: { concurrency: 4 },
      pollMs: 200,
      queue: (leaseMs) => {
        queue = new CountingQueue(db(), "test-runner", leaseMs);
        return queue;
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // Two types × ~6 polls (one claim per loop and poll: ~40).
    expect(queue!.claims).toBeGreaterThanOrEqual(6);
    expect(queue!.claims).toBeLessThanOrEqual(16);

    // Four jobs queued at once, a poll far away: the loop whose claim finds the first wakes the
    // type's other loops, which take the rest now instead of at their next poll.
    await runners[0]!.stop(1000);
    runners.length = 0;
    startRunner({ policy: { concurrency: 4 }, pollMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 300)); // every loop asleep for a minute
    const ids = [await enqueue(), await enqueue(), await enqueue(), await enqueue()];
    const startedAt: number[] = [];
    for (const id of ids) {
      behaviours.set(id, async () => {
        startedAt.push(Date.now());
        await new Promise((resolve) => setTimeout(resolve, 500));
      });
    }
    runners[0]!.wake(); // as an upload that finished on this node does: one loop claims, the others wait on it
    for (const id of ids) await waitFor(`job ${id} done`, stateIs(id, "done"), 10_000);
    expect(startedAt).toHaveLength(4);
    // All four ran side by side: none waited for another to end, or for a poll.
    expect(Math.max(...startedAt) - Math.min(...startedAt)).toBeLessThan(400);
  });

  it("deletes settled jobs past their retention, and nothing else", async () => {
    const old = await enqueue();
    const fresh = await enqueue();
    await db().query("update jobs set state = 'done', updated_at = now() - interval '8 days' where id = $1", [
      old,
    ]);
    await db().query("update jobs set state = 'done' where id = $1", [fresh]);
    const queue = new JobQueue(db(), "janitor", 1000);
    expect(await queue.deleteFinished(7)).toBeGreaterThanOrEqual(1);
    expect((await db().query("select id from jobs where id = any($1)", [[old, fresh]])).rows).toEqual([
      { id: String(fresh) },
    ]);
  });
});
