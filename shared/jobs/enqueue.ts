/**
 * The one way to add a job, for edge (drizzle on Neon) and farm (node-postgres) alike: a
 * drizzle `SQL` statement that the caller runs in its own transaction, so the job commits
 * (or not) with the state change that asked for it. Duplicates of a type that allows one
 * active job per video are dropped by the partial unique index `jobs_active_key`.
 */
import { type SQL, sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import {
  JOB_TRAITS,
  type JobPayload,
  type JobTraits,
  type JobType,
  jobPayloadSchemas,
  priorityOf,
} from "./job-types.ts";

export interface JobRequest<T extends JobType = JobType> {
  type: T;
  videoId: string | null;
  payload: JobPayload<T>;
}

/** The dedupe key among queued-or-running jobs, where the type asks for one. */
export function activeKey<T extends JobType>(
  type: T,
  videoId: string | null,
  payload: JobPayload<T>,
): string | null {
  const key = (JOB_TRAITS[type] as JobTraits<T>).activeKey;
  return key && videoId ? `${type}:${key(videoId, payload)}` : null;
}

/**
 * `insert into jobs …` for one validated job; returns the new id, or no row for a duplicate.
 * `onlyIf` adds the job only when that condition holds when the statement runs — how a batch
 * (one transaction, no code between its statements) queues a job only if its change happened.
 */
export function enqueueStatement<T extends JobType>(job: JobRequest<T>, options: { onlyIf?: SQL } = {}): SQL {
  const payload = jobPayloadSchemas[job.type].parse(job.payload);
  return sql`insert into jobs (type, video_id, payload, priority, active_key)
    select ${job.type}::text, ${job.videoId}::uuid, ${JSON.stringify(payload)}::jsonb,
           ${priorityOf(job.type, payload as JobPayload<T>)}::int, ${activeKey(job.type, job.videoId, payload as JobPayload<T>)}::text
    ${options.onlyIf ? sql`where ${options.onlyIf}` : sql``}
    on conflict (active_key) where state in ('queued', 'running') do nothing
    returning id`;
}

/** Stands for each video's id while a job's dedupe key is computed once, then replaced in SQL. */
const EACH_VIDEO = "00000000-0000-4000-8000-00000000eac4";

/**
 * `insert into jobs …` of the same job for every video id in the relation `ids` (a CTE name
 * with an `id` column, e.g. the videos a statement just deleted); returns the new ids.
 */
export function enqueueEachStatement<T extends JobType>(
  job: Omit<JobRequest<T>, "videoId">,
  ids: string,
): SQL {
  if (!/^[a-z_]+$/.test(ids)) throw new Error(`enqueueEachStatement: ${ids} is not a relation name`);
  const payload = jobPayloadSchemas[job.type].parse(job.payload);
  const key = activeKey(job.type, EACH_VIDEO, payload as JobPayload<T>);
  return sql`insert into jobs (type, video_id, payload, priority, active_key)
    select ${job.type}::text, v.id, ${JSON.stringify(payload)}::jsonb,
           ${priorityOf(job.type, payload as JobPayload<T>)}::int,
           replace(${key}::text, ${EACH_VIDEO}, v.id::text)
    from ${sql.raw(ids)} v
    on conflict (active_key) where state in ('queued', 'running') do nothing
    returning id`;
}

const dialect = new PgDialect();

/** The same statement as text and parameters, for node-postgres. */
export function enqueueQuery<T extends JobType>(
  job: JobRequest<T>,
  options: { onlyIf?: SQL } = {},
): { text: string; values: unknown[] } {
  const query = dialect.sqlToQuery(enqueueStatement(job, options));
  return { text: query.sql, values: query.params };
}

/**
 * Cancels the queued (not yet running) job that holds this job's dedupe key — e.g. the
 * translation of a machine track being deleted. A running job is left to finish.
 */
export function cancelQueuedStatement<T extends JobType>(job: JobRequest<T>, reason: string): SQL {
  const key = activeKey(job.type, job.videoId, job.payload);
  return sql`update jobs set state = 'cancelled', last_error = ${reason}, updated_at = now()
    where state = 'queued' and active_key = ${key}::text`;
}
