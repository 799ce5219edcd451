/**
 * The job queue in Postgres, beside the data it changes. Claiming uses `FOR UPDATE SKIP
 * LOCKED` and a lease (`locked_until`) that the runner renews while it runs: a runner that
 * dies (even kill -9) stops renewing and the job becomes claimable again. Every write after
 * the claim is fenced on (locked_by, attempts), so a runner that lost its lease can no
 * longer finish, fail or publish the job — nor can one whose job an admin cancelled
 * (`cancel_requested_at`): completing it is refused, and failing or handing it back settles
 * it as cancelled. Every attempt is recorded in `job_attempts` (node, times, outcome, error).
 * Claims are fair across users (the owners of the jobs' videos): see `claim`.
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

/**
 * What a heartbeat learnt: still ours, taken by someone else, its video was deleted, or an
 * admin cancelled the job.
 */
export type LeaseState = "ours" | "lost" | "video_deleted" | "cancelled";

/** Where an admin's cancel of a running job is recorded as its reason. */
export const CANCELLED_BY_ADMIN = "cancelled by an admin";

/**
 * How far back the claim looks for when an owner was last served (ties between owners with
 * no job running go to the one served longest ago).
 */
const FAIRNESS_WINDOW = "15 minutes";

/** How an attempt ended, as `job_attempts.outcome` records it. */
type AttemptOutcome = "done" | "retry" | "failed" | "cancelled" | "released";

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
   * Takes the best runnable job of `type`: queued and due, or running with an expired lease.
   * Fair across users (the owner of the job's video): the owner with the fewest jobs of the
   * type running now goes first, then the one served least recently, so one user's flood
   * never keeps another's job waiting behind all of it; within an owner, higher priority
   * first, then oldest. The payload is checked against the type's schema.
   */
  async claim<T extends JobType>(type: T): Promise<Job<T> | undefined> {
    // A job retaken after its runner vanished closes that runner's attempt as `lost`. A
    // running job an admin cancelled is never retaken (settleAbandonedCancels ends it).
    // Jobs without a video (no owner) form one group of their own.
    const { rows } = await this.pool.query<JobRow>(
      `with served as (
         select v.owner_id,
                count(*) filter (where r.state = 'running' and r.locked_until >= now()) as running,
                max(r.started_at) as last_started
         from jobs r join videos v on v.id = r.video_id
         where r.type = $1 and r.started_at > now() - interval '${FAIRNESS_WINDOW}'
         group by v.owner_id
       ), claimed as (
         update jobs set state = 'running', attempts = attempts + 1, locked_by = $2,
                locked_until = now() + ($3 || ' milliseconds')::interval, started_at = now(),
                finished_at = null, updated_at = now()
         where id = (
           select j.id from jobs j
           left join videos v on v.id = j.video_id
           left join served s on s.owner_id = v.owner_id
           where j.type = $1 and ((j.state = 'queued' and j.run_at <= now())
                 or (j.state = 'running' and j.locked_until < now() and j.cancel_requested_at is null))
           order by coalesce(s.running, 0), s.last_started nulls first, j.priority desc, j.run_at, j.id
           for update of j skip locked
           limit 1)
         returning id, type, video_id, payload, attempts, locked_by
       ), lost as (
         update job_attempts set finished_at = now(), outcome = 'lost'
         where job_id = (select id from claimed) and finished_at is null
       ), attempt as (
         insert into job_attempts (job_id, attempt, node) select id, attempts, locked_by from claimed
       )
       select * from claimed`,
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

  /**
   * Renews the lease, and says whether the job is still ours, its video still wanted and the
   * job not cancelled by an admin.
   */
  async heartbeat(job: Job): Promise<LeaseState> {
    const { rows } = await this.pool.query<{ video_deleted: boolean | null; cancelled: boolean }>(
      `update jobs set locked_until = now() + ($4 || ' milliseconds')::interval
       where id = $1 and locked_by = $2 and attempts = $3 and state = 'running'
       returning (select v.deleted_at is not null from videos v where v.id = jobs.video_id) as video_deleted,
                 cancel_requested_at is not null as cancelled`,
      [job.id, job.lockedBy, job.attempts, String(this.leaseMs)],
    );
    if (rows.length === 0) return "lost";
    if (rows[0]?.cancelled) return "cancelled";
    return rows[0]?.video_deleted ? "video_deleted" : "ours";
  }

  /**
   * Marks the job done, in the caller's transaction when given one (fenced); false if we lost
   * it. Idempotent for the attempt that holds it: a handler may complete its job inside its
   * own publishing transaction, and the runner's own complete afterwards still says true.
   * Refused (false) once an admin asked to cancel the job: a cancelled job hands nothing back.
   */
  async complete(job: Job, client: Queryable = this.pool): Promise<boolean> {
    const { rowCount } = await client.query(
      `with done as (
         update jobs set state = 'done', last_error = null, stderr_tail = null, locked_until = null,
                finished_at = coalesce(finished_at, now()), updated_at = now()
         where id = $1 and locked_by = $2 and attempts = $3 and state in ('running', 'done')
           and cancel_requested_at is null
         returning id
       ), attempt as (
         update job_attempts set finished_at = now(), outcome = 'done'
         where job_id = $1 and attempt = $3 and node = $2 and finished_at is null
           and exists (select 1 from done)
       )
       select id from done`,
      [job.id, job.lockedBy, job.attempts],
    );
    return rowCount === 1;
  }

  /**
   * Retries after `retryInMs`, or (undefined) gives up for good; `stderrTail` is ffmpeg's,
   * when the error carried one. A job an admin cancelled meanwhile ends cancelled instead,
   * with the admin's reason (the failure is often the cancel's own doing: a fenced publish);
   * the attempt's record keeps the error it ended with, as cancelled. Resolves to the state
   * the job settled in, or null when it is no longer ours.
   */
  async fail(
    job: Job,
    error: string,
    retryInMs: number | undefined,
    stderrTail?: string,
  ): Promise<"queued" | "failed" | "cancelled" | null> {
    const message = error.slice(0, 4000);
    const tail = stderrTail ? stderrTail.slice(-8000) : null;
    const settled =
      retryInMs === undefined
        ? await this.settleTo(
            job,
            "failed",
            `state = case when cancel_requested_at is null then 'failed' else 'cancelled' end,
           last_error = case when cancel_requested_at is null then $4 else $6 end,
           stderr_tail = $5, finished_at = now()`,
            [message, tail, CANCELLED_BY_ADMIN],
            { error: message, stderrTail: tail },
          )
        : await this.settleTo(
            job,
            "retry",
            `state = case when cancel_requested_at is null then 'queued' else 'cancelled' end,
           locked_by = case when cancel_requested_at is null then null else locked_by end,
           finished_at = case when cancel_requested_at is null then null else now() end,
           last_error = case when cancel_requested_at is null then $4 else $7 end,
           stderr_tail = $5, run_at = now() + ($6 || ' milliseconds')::interval`,
            [message, tail, String(retryInMs), CANCELLED_BY_ADMIN],
            { error: message, stderrTail: tail },
          );
    return settled as "queued" | "failed" | "cancelled" | null;
  }

  /**
   * The work is no longer wanted (its video was deleted, an admin cancelled it): not a
   * failure, never retried. `onlyIfRequested`: only when an admin asked for it.
   */
  async cancel(job: Job, reason: string, options: { onlyIfRequested?: boolean } = {}): Promise<boolean> {
    return this.settle(
      job,
      "cancelled",
      "state = 'cancelled', last_error = $4, finished_at = now()",
      [reason],
      { error: reason },
      options.onlyIfRequested ? "and cancel_requested_at is not null" : "",
    );
  }

  /** Gives the job back untouched (shutdown): the attempt does not count. */
  async release(job: Job): Promise<boolean> {
    return this.settle(
      job,
      "released",
      `state = case when cancel_requested_at is null then 'queued' else 'cancelled' end,
       finished_at = case when cancel_requested_at is null then null else now() end,
       locked_by = null, attempts = greatest(attempts - 1, 0)`,
    );
  }

  /**
   * The handler is waiting on something outside (RescheduleJob): queued again after `delayMs`
   * with `payload` (checked against the type's schema), the attempt not counted. A job an
   * admin cancelled meanwhile ends cancelled instead.
   */
  async reschedule(job: Job, delayMs: number, payload: unknown): Promise<boolean> {
    const checked = jobPayloadSchemas[job.type].parse(payload);
    return this.settle(
      job,
      "released",
      `state = case when cancel_requested_at is null then 'queued' else 'cancelled' end,
       finished_at = case when cancel_requested_at is null then null else now() end,
       locked_by = null, attempts = greatest(attempts - 1, 0), last_error = null,
       payload = $4::jsonb, run_at = now() + ($5 || ' milliseconds')::interval`,
      [JSON.stringify(checked), String(Math.max(0, Math.round(delayMs)))],
    );
  }

  /**
   * Running jobs an admin cancelled whose runner is gone (lease lapsed, nobody will see the
   * heartbeat answer): settled as cancelled. Returns how many.
   */
  async settleAbandonedCancels(): Promise<number> {
    const { rowCount } = await this.pool.query(
      `with ended as (
         update jobs set state = 'cancelled', last_error = $1, locked_until = null, finished_at = now(),
                updated_at = now()
         where state = 'running' and cancel_requested_at is not null and locked_until < now()
         returning id
       ), attempt as (
         update job_attempts set finished_at = now(), outcome = 'lost'
         where job_id in (select id from ended) and finished_at is null
       )
       select id from ended`,
      [CANCELLED_BY_ADMIN],
    );
    return rowCount ?? 0;
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

  /**
   * One fenced transition out of `running`, closing the attempt's record with `outcome`; a
   * settled job keeps `locked_by` (who ran it last). `set` uses $4… for `extra`.
   */
  private async settle(...args: Parameters<JobQueue["settleTo"]>): Promise<boolean> {
    return (await this.settleTo(...args)) !== null;
  }

  /** settle(), resolving to the state the job settled in (null: not ours any more). */
  private async settleTo(
    job: Job,
    outcome: AttemptOutcome,
    set: string,
    extra: unknown[] = [],
    record: { error?: string; stderrTail?: string | null } = {},
    condition = "",
  ): Promise<string | null> {
    const n = extra.length;
    const { rows } = await this.pool.query<{ state: string }>(
      `with settled as (
         update jobs set ${set}, locked_until = null, updated_at = now()
         where id = $1 and locked_by = $2 and attempts = $3 and state = 'running' ${condition}
         returning id, state
       ), attempt as (
         update job_attempts set finished_at = now(),
                outcome = case when (select state from settled) = 'cancelled' then 'cancelled' else $${n + 4} end,
                error = $${n + 5},
                stderr_tail = $${n + 6}
         where job_id = $1 and attempt = $3 and node = $2 and finished_at is null
           and exists (select 1 from settled)
       )
       select state from settled`,
      [
        job.id,
        job.lockedBy,
        job.attempts,
        ...extra,
        outcome,
        record.error ?? null,
        record.stderrTail ?? null,
      ],
    );
    return rows[0]?.state ?? null;
  }
}
