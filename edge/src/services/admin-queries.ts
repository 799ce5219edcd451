/**
 * What the jobs console reads: jobs (filtered, newest first), one job with its attempts and
 * the admin actions on it, farm nodes with their running jobs, the action log, and the
 * platform's counts. Read-only; the actions are in admin-actions.ts.
 */
import type { z } from "@hono/zod-openapi";
import { type SQL, sql } from "drizzle-orm";
import type {
  AdminActionSchema,
  JobAttemptSchema,
  JobDetailSchema,
  JobListQuery,
  JobSummarySchema,
  NodeSchema,
  StatsSchema,
} from "../../../shared/api/admin.ts";
import { ApiError } from "../../../shared/errors/api-error.ts";
import type { Database } from "../db/request-db.ts";

type JobSummary = z.output<typeof JobSummarySchema>;
type AdminAction = z.output<typeof AdminActionSchema>;

/** A node is down once it missed this long of heartbeats (the farm beats every 5 s by default). */
export const NODE_DOWN_AFTER_S = 30;

/** Postgres' text form (`2026-05-01 12:34:56.1+00`) or a Date, as ISO 8601. */
export function iso(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  const text = String(value)
    .replace(" ", "T")
    .replace(/([+-]\d{2})$/, "$1:00");
  return new Date(text).toISOString();
}
export const isoOrNull = (value: unknown): string | null => (value == null ? null : iso(value));

type JobRow = {
  id: string | number;
  type: string;
  state: JobSummary["state"];
  video_id: string | null;
  video_title: string | null;
  payload: Record<string, unknown>;
  priority: number;
  attempts: number;
  locked_by: string | null;
  created_at: string;
  updated_at: string;
  run_at: string;
  started_at: string | null;
  finished_at: string | null;
  locked_until: string | null;
  cancel_requested_at: string | null;
  last_error: string | null;
  stderr_tail: string | null;
};

const jobSelect = sql`select j.id, j.type, j.state, j.video_id, v.title as video_title, j.payload, j.priority,
  j.attempts, j.locked_by, j.created_at, j.updated_at, j.run_at, j.started_at, j.finished_at,
  j.locked_until, j.cancel_requested_at, j.last_error, j.stderr_tail
  from jobs j left join videos v on v.id = j.video_id`;

/** A mail's link carries a live token (verify, reset): admins see that there was one, not what. */
function withoutMailedToken(payload: Record<string, unknown>): Record<string, unknown> {
  const data = payload.data as Record<string, unknown> | undefined;
  if (!data || typeof data.link !== "string") return payload;
  return { ...payload, data: { ...data, link: data.link.replace(/([?&]token=)[^&#]*/, "$1(hidden)") } };
}

function toJob(row: JobRow): JobSummary {
  return {
    id: Number(row.id),
    type: row.type,
    state: row.state,
    videoId: row.video_id,
    videoTitle: row.video_title,
    payload: row.type === "send_email" ? withoutMailedToken(row.payload ?? {}) : (row.payload ?? {}),
    priority: row.priority,
    attempts: row.attempts,
    node: row.locked_by,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    runAt: iso(row.run_at),
    startedAt: isoOrNull(row.started_at),
    finishedAt: isoOrNull(row.finished_at),
    leaseUntil: row.state === "running" ? isoOrNull(row.locked_until) : null,
    cancelRequestedAt: isoOrNull(row.cancel_requested_at),
    lastError: row.last_error,
    hasStderr: row.stderr_tail !== null,
  };
}

type ActionRow = {
  id: string | number;
  actor_id: string | null;
  actor_email: string;
  action: AdminAction["action"];
  job_id: string | number | null;
  video_id: string | null;
  detail: Record<string, unknown>;
  created_at: string;
};

function toAction(row: ActionRow): AdminAction {
  return {
    id: Number(row.id),
    actor: { id: row.actor_id, email: row.actor_email },
    action: row.action,
    jobId: row.job_id === null ? null : Number(row.job_id),
    videoId: row.video_id,
    detail: row.detail ?? {},
    createdAt: iso(row.created_at),
  };
}

/** Numeric keyset cursors (ids, newest first). */
function idCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  if (!/^[1-9]\d{0,17}$/.test(cursor))
    throw new ApiError("invalid_cursor", "cursor is not one this API returned");
  return Number(cursor);
}

export class AdminQueries {
  constructor(private readonly db: Database) {}

  async jobs(query: z.output<typeof JobListQuery>) {
    const after = idCursor(query.cursor);
    const conditions: SQL[] = [sql`true`];
    if (query.state) conditions.push(sql`j.state = ${query.state}`);
    if (query.type) conditions.push(sql`j.type = ${query.type}`);
    if (query.videoId) conditions.push(sql`j.video_id = ${query.videoId}::uuid`);
    if (query.node) conditions.push(sql`j.locked_by = ${query.node}`);
    if (after !== undefined) conditions.push(sql`j.id < ${after}`);
    const { rows } = await this.db.execute<JobRow>(
      sql`${jobSelect} where ${sql.join(conditions, sql` and `)} order by j.id desc limit ${query.limit + 1}`,
    );
    const page = rows.slice(0, query.limit).map(toJob);
    const last = page[page.length - 1];
    return { items: page, nextCursor: rows.length > query.limit && last ? String(last.id) : null };
  }

  async job(id: number): Promise<JobSummary | undefined> {
    const { rows } = await this.db.execute<JobRow>(sql`${jobSelect} where j.id = ${id}`);
    return rows[0] && toJob(rows[0]);
  }

  async jobDetail(id: number): Promise<z.output<typeof JobDetailSchema>> {
    const [jobs, attempts, actions] = await this.db.batch([
      this.db.execute<JobRow>(sql`${jobSelect} where j.id = ${id}`),
      this.db.execute<{
        attempt: number;
        node: string;
        started_at: string;
        finished_at: string | null;
        outcome: z.output<typeof JobAttemptSchema>["outcome"];
        error: string | null;
        stderr_tail: string | null;
      }>(sql`select attempt, node, started_at, finished_at, outcome, error, stderr_tail
             from job_attempts where job_id = ${id} order by id`),
      this.db.execute<ActionRow>(
        sql`select * from admin_actions where job_id = ${id} order by id desc limit 50`,
      ),
    ]);
    const row = jobs.rows[0];
    if (!row)
      throw new ApiError("not_found", "no such job (settled jobs are deleted after JOB_RETENTION_DAYS)");
    return {
      ...toJob(row),
      stderrTail: row.stderr_tail,
      attemptsLog: attempts.rows.map((a) => ({
        attempt: a.attempt,
        node: a.node,
        startedAt: iso(a.started_at),
        finishedAt: isoOrNull(a.finished_at),
        durationMs: a.finished_at ? Date.parse(iso(a.finished_at)) - Date.parse(iso(a.started_at)) : null,
        outcome: a.outcome,
        error: a.error,
        stderrTail: a.stderr_tail,
      })),
      actions: actions.rows.map(toAction),
    };
  }

  async nodes(): Promise<z.output<typeof NodeSchema>[]> {
    const { rows } = await this.db.execute<{
      node_id: string;
      host: string;
      pid: number;
      workers: boolean;
      started_at: string;
      last_seen_at: string;
      stopped_at: string | null;
      up: boolean;
      running: {
        id: number;
        type: string;
        videoId: string | null;
        attempts: number;
        startedAt: string | null;
      }[];
    }>(sql`
      select n.*, (n.stopped_at is null and n.last_seen_at > now() - make_interval(secs => ${NODE_DOWN_AFTER_S})) as up,
        coalesce((select json_agg(json_build_object('id', j.id, 'type', j.type, 'videoId', j.video_id,
                    'attempts', j.attempts, 'startedAt', j.started_at) order by j.id)
                  from jobs j where j.state = 'running' and j.locked_by = n.node_id), '[]'::json) as running
      from farm_nodes n
      order by (n.stopped_at is null and n.last_seen_at > now() - make_interval(secs => ${NODE_DOWN_AFTER_S})) desc,
               n.last_seen_at desc, n.node_id`);
    return rows.map((row) => ({
      nodeId: row.node_id,
      host: row.host,
      pid: row.pid,
      workers: row.workers,
      status: row.up ? "up" : row.stopped_at ? "stopped" : "down",
      startedAt: iso(row.started_at),
      lastSeenAt: iso(row.last_seen_at),
      stoppedAt: isoOrNull(row.stopped_at),
      runningJobs: row.running.map((job) => ({
        ...job,
        id: Number(job.id),
        startedAt: isoOrNull(job.startedAt),
      })),
    }));
  }

  async actions(query: { jobId?: string | undefined; limit: number; cursor?: string | undefined }) {
    const after = idCursor(query.cursor);
    const conditions: SQL[] = [sql`true`];
    if (query.jobId) conditions.push(sql`job_id = ${Number(query.jobId)}`);
    if (after !== undefined) conditions.push(sql`id < ${after}`);
    const { rows } = await this.db.execute<ActionRow>(
      sql`select * from admin_actions where ${sql.join(conditions, sql` and `)} order by id desc limit ${query.limit + 1}`,
    );
    const page = rows.slice(0, query.limit).map(toAction);
    const last = page[page.length - 1];
    return { items: page, nextCursor: rows.length > query.limit && last ? String(last.id) : null };
  }

  /** Everything in one round trip: a handful of aggregates over small tables. */
  async stats(): Promise<z.output<typeof StatsSchema>> {
    const { rows } = await this.db.execute<{
      videos: Record<string, number>;
      source_bytes: number;
      media_bytes: number;
      jobs: { type: string; state: JobSummary["state"]; count: number }[];
      oldest_queued: string | null;
      nodes_up: number;
      nodes_down: number;
      running: number;
    }>(sql`select
      (select coalesce(json_object_agg(status, n), '{}'::json)
         from (select status, count(*)::int as n from videos where deleted_at is null group by status) s) as videos,
      (select coalesce(sum(source_bytes), 0)::float8 from videos
         where deleted_at is null and source_key is not null) as source_bytes,
      (select coalesce(sum(media_bytes), 0)::float8 from videos where deleted_at is null) as media_bytes,
      (select coalesce(json_agg(json_build_object('type', type, 'state', state, 'count', n) order by type, state), '[]'::json)
         from (select type, state, count(*)::int as n from jobs group by type, state) j) as jobs,
      (select min(run_at) from jobs where state = 'queued') as oldest_queued,
      (select count(*)::int from farm_nodes
         where stopped_at is null and last_seen_at > now() - make_interval(secs => ${NODE_DOWN_AFTER_S})) as nodes_up,
      (select count(*)::int from farm_nodes
         where stopped_at is null and last_seen_at <= now() - make_interval(secs => ${NODE_DOWN_AFTER_S})) as nodes_down,
      (select count(*)::int from jobs where state = 'running') as running`);
    const row = rows[0];
    if (!row) throw new ApiError("internal", "statistics query returned nothing");
    const byStatus = Object.fromEntries(
      ["awaiting_upload", "uploading", "processing", "ready", "failed"].map((s) => [s, row.videos[s] ?? 0]),
    ) as z.output<typeof StatsSchema>["videos"]["byStatus"];
    const byState = Object.fromEntries(
      ["queued", "running", "done", "failed", "cancelled"].map((state) => [
        state,
        row.jobs.filter((j) => j.state === state).reduce((sum, j) => sum + j.count, 0),
      ]),
    ) as z.output<typeof StatsSchema>["jobs"]["byState"];
    const sourceBytes = Number(row.source_bytes);
    const mediaBytes = Number(row.media_bytes);
    return {
      videos: { total: Object.values(byStatus).reduce((a, b) => a + b, 0), byStatus },
      storage: { sourceBytes, mediaBytes, totalBytes: sourceBytes + mediaBytes },
      jobs: { byState, byType: row.jobs, oldestQueuedAt: isoOrNull(row.oldest_queued) },
      nodes: { up: row.nodes_up, down: row.nodes_down, runningJobs: row.running },
      generatedAt: new Date().toISOString(),
    };
  }
}

export { type JobRow, jobSelect, toJob };
