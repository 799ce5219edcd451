/**
 * The job queue in Postgres, beside the data it changes. Claiming uses `FOR UPDATE SKIP
 * LOCKED` and a lease (`locked_until`) that the runner renews while it runs: a runner that
 * dies (even kill -9) stops renewing and the job becomes claimable again. Every write after
 * the claim is fenced on (locked_by, attempts), so a runner that lost its lease can no
 * longer finish, fail or publish the job.
 */
import type pg from "pg";
import { enqueueQuery, type JobRequest } from "../../../shared/jobs/enqueue.ts";
import { type JobPayload, type JobType, jobPayloadSchemas } from "../../../shared/jobs/job-types.ts";

export interface Job<T extends JobType = JobType> {
  id: number;
  type: T;
  videoId: string | null;
  payload: JobPayload<T>;
  attempts: number;
  lockedBy: string;
}

interface JobRow {
  id: string;
  type: JobType;
  video_id: string | null;
  payload: unknown;
  attempts: number;
  locked_by: string;
}

type Queryable = pg.PoolClient | pg.Pool;

/** What a heartbeat learnt: still ours, taken by someone else, or its video was deleted. */
export type LeaseState = "ours" | "lost" | "video_deleted";

/** Adds a job in the caller's transaction; false when an identical active job already exists. */
export async function enqueueJob<T extends JobType>(client: Queryable, job: JobRequest<T>): Promise<boolean> {
  const { rowCount } = await client.query(enqueueQuery(job));
  return rowCount === 1;
}

/** A job row whose payload does not match its type's schema: it can only fail. */
export class InvalidPayloadError extends Error {
  override name = "InvalidPayloadError";
}

export class JobQueue {
  constructor(
    readonly pool: pg.Pool,
    readonly nodeId: string,
    private readonly leaseMs: number,
  ) {}

  /**
   * Takes the best runnable job of `type`: queued and due, or running with an expired lease;
   * higher priority first, then oldest. The payload is checked against the type's schema.
   */
  async claim<T extends JobType>(type: T): Promise<Job<T> | undefined> {
    const { rows } = await this.pool.query<JobRow>(
      `update jobs set state = 'running', attempts = attempts + 1, locked_by = $2,
              locked_until = now() + ($3 || ' milliseconds')::interval, updated_at = now()
       where id = (
         select id from jobs
         where type = $1 and ((state = 'queued' and run_at <= now()) or (state = 'running' and locked_until < now()))
         order by priority desc, run_at, id
         for update skip locked
         limit 1)
       returning id, type, video_id, payload, attempts, locked_by`,
      [type, this.nodeId, String(this.leaseMs)],
    );
    const row = rows[0];
    if (!row) return undefined;
    const job = {
      id: Number(row.id),
      type,
      videoId: row.video_id,
      payload: {} as JobPayload<T>,
      attempts: row.attempts,
      lockedBy: row.locked_by,
    };
    const parsed = jobPayloadSchemas[type].safeParse(row.payload);
    if (!parsed.success) {
      await this.fail(job, `invalid payload: ${parsed.error.message}`, undefined);
      throw new InvalidPayloadError(`job #${job.id} (${type}) has an invalid payload; failed it`);
    }
    job.payload = parsed.data as JobPayload<T>;
    return job;
  }

  /** Renews the lease, and says whether the job is still ours and its video still wanted. */
  async heartbeat(job: Job): Promise<LeaseState> {
    const { rows } = await this.pool.query<{ video_deleted: boolean | null }>(
      `update jobs set locked_until = now() + ($4 || ' milliseconds')::interval
       where id = $1 and locked_by = $2 and attempts = $3 and state = 'running'
       returning (select v.deleted_at is not null from videos v where v.id = jobs.video_id) as video_deleted`,
      [job.id, job.lockedBy, job.attempts, String(this.leaseMs)],
    );
    if (rows.length === 0) return "lost";
    return rows[0]?.video_deleted ? "video_deleted" : "ours";
  }

  /**
   * Marks the job done, in the caller's transaction when given one (fenced); false if we lost
   * it. Idempotent for the attempt that holds it: a handler may complete its job inside its
   * own publishing transaction, and the runner's own complete afterwards still says true.
   */
  async complete(job: Job, client: Queryable = this.pool): Promise<boolean> {
    const { rowCount } = await client.query(
      `update jobs set state = 'done', last_error = null, locked_until = null, updated_at = now()
       where id = $1 and locked_by = $2 and attempts = $3 and state in ('running', 'done')`,
      [job.id, job.lockedBy, job.attempts],
    );
    return rowCount === 1;
  }

  /** Retries after `retryInMs`, or (undefined) gives up for good. */
  async fail(job: Job, error: string, retryInMs: number | undefined): Promise<boolean> {
    return retryInMs === undefined
      ? this.settle(this.pool, job, "state = 'failed', last_error = $4", [error.slice(0, 4000)])
      : this.settle(
          this.pool,
          job,
          "state = 'queued', locked_by = null, last_error = $4, run_at = now() + ($5 || ' milliseconds')::interval",
          [error.slice(0, 4000), String(retryInMs)],
        );
  }

  /** The work is no longer wanted (its video was deleted): not a failure, never retried. */
  async cancel(job: Job, reason: string): Promise<boolean> {
    return this.settle(this.pool, job, "state = 'cancelled', last_error = $4", [reason]);
  }

  /** Gives the job back untouched (shutdown): the attempt does not count. */
  async release(job: Job): Promise<boolean> {
    return this.settle(
      this.pool,
      job,
      "state = 'queued', locked_by = null, attempts = greatest(attempts - 1, 0)",
    );
  }

  /**
   * Whether the job is still ours (and not cancelled by an admin), its row locked in the
   * caller's transaction until it ends: a write made in that transaction is fenced like
   * `complete`, without completing the job.
   */
  async holds(job: Job, client: Queryable): Promise<boolean> {
    const { rowCount } = await client.query(
      `select 1 from jobs where id = $1 and locked_by = $2 and attempts = $3 and state = 'running'
         and cancel_requested_at is null for update`,
      [job.id, job.lockedBy, job.attempts],
    );
    return rowCount === 1;
  }

  /** Deletes settled jobs last touched more than `days` ago; returns how many. */
  async deleteFinished(days: number): Promise<number> {
    const { rowCount } = await this.pool.query(
      `delete from jobs where state in ('done', 'failed', 'cancelled')
         and updated_at < now() - ($1 || ' days')::interval`,
      [String(days)],
    );
    return rowCount ?? 0;
  }

  /** One fenced transition out of `running`; a settled job keeps `locked_by` (who ran it last). */
  private async settle(client: Queryable, job: Job, set: string, extra: unknown[] = []): Promise<boolean> {
    const { rowCount } = await client.query(
      `update jobs set ${set}, locked_until = null, updated_at = now()
       where id = $1 and locked_by = $2 and attempts = $3 and state = 'running'`,
      [job.id, job.lockedBy, job.attempts, ...extra],
    );
    return rowCount === 1;
  }
}
