/**
 * The job queue in Postgres, beside the data it changes. Claiming uses `FOR UPDATE SKIP
 * LOCKED` and a lease (`locked_until`) that the worker renews while it runs: a worker that
 * dies (even kill -9) stops renewing and the job becomes claimable again. Every write after
 * the claim is fenced on (locked_by, attempts), so a worker that lost its lease can no
 * longer finish, fail or publish the job.
 */
import type pg from "pg";

export interface Job {
  id: number;
  type: string;
  videoId: string | null;
  payload: Record<string, unknown>;
  attempts: number;
  lockedBy: string;
}

interface JobRow {
  id: string;
  type: string;
  video_id: string | null;
  payload: Record<string, unknown>;
  attempts: number;
  locked_by: string;
}

/** Adds a job in the caller's transaction, so it commits (or not) with the state change. */
export async function enqueueJob(
  client: pg.PoolClient | pg.Pool,
  type: string,
  videoId: string | null,
  payload: Record<string, unknown>,
): Promise<void> {
  await client.query("insert into jobs (type, video_id, payload) values ($1, $2, $3)", [
    type,
    videoId,
    JSON.stringify(payload),
  ]);
}

export class JobQueue {
  constructor(
    readonly pool: pg.Pool,
    readonly nodeId: string,
    private readonly leaseMs: number,
  ) {}

  /** Takes the oldest runnable job of `type`: queued and due, or running with an expired lease. */
  async claim(type: string): Promise<Job | undefined> {
    const { rows } = await this.pool.query<JobRow>(
      `update jobs set state = 'running', attempts = attempts + 1, locked_by = $2,
              locked_until = now() + ($3 || ' milliseconds')::interval, updated_at = now()
       where id = (
         select id from jobs
         where type = $1 and ((state = 'queued' and run_at <= now()) or (state = 'running' and locked_until < now()))
         order by run_at, id
         for update skip locked
         limit 1)
       returning id, type, video_id, payload, attempts, locked_by`,
      [type, this.nodeId, String(this.leaseMs)],
    );
    const row = rows[0];
    return (
      row && {
        id: Number(row.id),
        type: row.type,
        videoId: row.video_id,
        payload: row.payload,
        attempts: row.attempts,
        lockedBy: row.locked_by,
      }
    );
  }

  /** Renews the lease; false when the job is no longer ours. */
  async heartbeat(job: Job): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `update jobs set locked_until = now() + ($4 || ' milliseconds')::interval
       where id = $1 and locked_by = $2 and attempts = $3 and state = 'running'`,
      [job.id, job.lockedBy, job.attempts, String(this.leaseMs)],
    );
    return rowCount === 1;
  }

  /** Marks the job done inside the caller's transaction (fenced); false if we lost it. */
  async completeIn(client: pg.PoolClient | pg.Pool, job: Job): Promise<boolean> {
    const { rowCount } = await client.query(
      `update jobs set state = 'done', locked_until = null, last_error = null, updated_at = now()
       where id = $1 and locked_by = $2 and attempts = $3 and state = 'running'`,
      [job.id, job.lockedBy, job.attempts],
    );
    return rowCount === 1;
  }

  /** Retry later with exponential backoff, or give up for good. */
  async fail(job: Job, error: string, retry: boolean): Promise<void> {
    await this.pool.query(
      `update jobs set state = $4, locked_by = null, locked_until = null, last_error = $5,
              run_at = now() + ($6 || ' milliseconds')::interval, updated_at = now()
       where id = $1 and locked_by = $2 and attempts = $3 and state = 'running'`,
      [
        job.id,
        job.lockedBy,
        job.attempts,
        retry ? "queued" : "failed",
        error.slice(0, 4000),
        String(retry ? 2000 * 2 ** job.attempts : 0),
      ],
    );
  }

  /** Gives the job back untouched (shutdown): the attempt does not count. */
  async release(job: Job): Promise<void> {
    await this.pool.query(
      `update jobs set state = 'queued', attempts = greatest(attempts - 1, 0), locked_by = null, locked_until = null, updated_at = now()
       where id = $1 and locked_by = $2 and attempts = $3 and state = 'running'`,
      [job.id, job.lockedBy, job.attempts],
    );
  }
}
