/**
 * The jobs console's actions: retry a failed job, cancel a queued or running one, re-process
 * a video from its kept source. Each is one transaction (a statement or a batch) that also
 * writes its `admin_actions` row, so an action is recorded exactly when it happened.
 *
 * A running job cannot be stopped from here: the cancel is a request (`cancel_requested_at`)
 * that its runner sees at its next heartbeat; until then the fence keeps it from completing
 * or publishing (farm/src/queue/job-queue.ts). Cancelling a transcode fails its video
 * (`processing_cancelled`, with its `video.failed` webhooks) unless it was a re-processing of
 * a ready video, which stays ready.
 */
import type { z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import type { JobActionResultSchema, ReprocessResultSchema } from "../../../shared/api/admin.ts";
import { ApiError } from "../../../shared/errors/api-error.ts";
import { enqueueStatement } from "../../../shared/jobs/enqueue.ts";
import { cancelProcessing, reprocess, retryTranscodeFromTarget } from "../../../shared/videos/lifecycle.ts";
import { webhookEventStatement } from "../../../shared/webhooks/event-jobs.ts";
import type { Database } from "../db/request-db.ts";
import { AdminQueries } from "./admin-queries.ts";
import type { Admin } from "./admin-role.ts";

type JobActionResult = z.output<typeof JobActionResultSchema>;

const CANCELLED = "cancelled by an admin";
/** The jobs that make up a video's processing: cancelling one fails the video and stops the others. */
const PROCESSING_JOB_TYPES = ["transcode", "encode_chunk", "encode_audio", "assemble_video"];

export class AdminActions {
  private readonly queries: AdminQueries;

  constructor(private readonly db: Database) {
    this.queries = new AdminQueries(db);
  }

  /**
   * failed → queued, attempts back to 0 (the attempt history stays in job_attempts). A failed
   * transcode puts its video back into processing, if it still has its source.
   */
  async retry(id: number, admin: Admin): Promise<JobActionResult> {
    const { rows } = await this.db
      .execute<{ found: number; retried: number }>(sql`
        with target as (
          select id, type, video_id from jobs where id = ${id} and state = 'failed' for update
        ), video as (
          ${retryTranscodeFromTarget()}
        ), retried as (
          update jobs j set state = 'queued', attempts = 0, run_at = now(), locked_by = null, locked_until = null,
                 last_error = null, stderr_tail = null, cancel_requested_at = null, started_at = null,
                 finished_at = null, updated_at = now()
          from target t
          where j.id = t.id and (t.type <> 'transcode' or exists (select 1 from video)
            or exists (select 1 from videos v where v.id = t.video_id and v.deleted_at is null
                       and v.status in ('processing', 'ready')))
          returning j.id
        ), audit as (
          insert into admin_actions (actor_id, actor_email, action, job_id, video_id, detail)
          select ${admin.id}::uuid, ${admin.email}, 'job.retry', t.id, t.video_id, jsonb_build_object('type', t.type)
          from target t where exists (select 1 from retried)
        )
        select (select count(*)::int from target) as found, (select count(*)::int from retried) as retried`)
      .catch(duplicateActiveJob);
    const result = rows[0];
    if (!result?.found) throw await this.refusal(id, "retried", ["failed"]);
    if (!result.retried) {
      throw new ApiError(
        "conflict",
        "its video was deleted or has no uploaded source any more: nothing to retry",
      );
    }
    return { job: await this.summary(id), outcome: "queued" };
  }

  /**
   * queued → cancelled at once; running → cancel requested (its runner stops at the next
   * heartbeat), or cancelled at once when its lease already lapsed (its runner is gone).
   */
  async cancel(id: number, admin: Admin): Promise<JobActionResult> {
    const { rows: found } = await this.db.execute<{ type: string; video_id: string | null; state: string }>(
      sql`select type, video_id, state from jobs where id = ${id}`,
    );
    const job = found[0];
    if (!job) throw notFound();
    if (job.state !== "queued" && job.state !== "running")
      throw refusedState("cancelled", job.state, ["queued", "running"]);
    // Cancelling any part of a video's processing (a transcode, a chunk, an assembly) cancels it all.
    const videoId = PROCESSING_JOB_TYPES.includes(job.type) ? job.video_id : null;
    const jobChangedNow = sql`exists (select 1 from jobs where id = ${id} and updated_at = now()
      and (state = 'cancelled' or cancel_requested_at is not null))`;
    const [changed] = await this.db.batch([
      this.db.execute<{ state: string }>(sql`
        with target as (
          select id, state, video_id, type, coalesce(locked_until < now(), false) as lapsed
          from jobs where id = ${id} and state in ('queued', 'running') for update
        ), changed as (
          update jobs j set
            state = case when t.state = 'queued' or t.lapsed then 'cancelled' else j.state end,
            cancel_requested_at = case when t.state = 'running' then coalesce(j.cancel_requested_at, now())
                                       else j.cancel_requested_at end,
            last_error = case when t.state = 'queued' or t.lapsed then ${CANCELLED} else j.last_error end,
            finished_at = case when t.state = 'queued' or t.lapsed then now() else j.finished_at end,
            locked_until = case when t.lapsed then null else j.locked_until end,
            updated_at = now()
          from target t where j.id = t.id
          returning j.id, j.state
        ), lost as (
          update job_attempts set finished_at = now(), outcome = 'lost'
          where job_id = (select id from target where lapsed) and finished_at is null
        ), audit as (
          insert into admin_actions (actor_id, actor_email, action, job_id, video_id, detail)
          select ${admin.id}::uuid, ${admin.email}, 'job.cancel', t.id, t.video_id,
                 jsonb_build_object('type', t.type, 'was', t.state)
          from target t join changed c on c.id = t.id
        )
        select state from changed`),
      this.db.execute(videoId ? cancelProcessing(videoId, jobChangedNow) : sql`select 1`),
      this.db.execute(
        videoId
          ? sql`update jobs set
                  state = case when state = 'queued' then 'cancelled' else state end,
                  finished_at = case when state = 'queued' then now() else finished_at end,
                  cancel_requested_at = case when state = 'running' then coalesce(cancel_requested_at, now())
                                             else cancel_requested_at end,
                  last_error = ${CANCELLED}, updated_at = now()
                where video_id = ${videoId} and id <> ${id} and state in ('queued', 'running')
                  and type in ('encode_chunk', 'encode_audio', 'assemble_video') and ${jobChangedNow}`
          : sql`select 1`,
      ),
      this.db.execute(
        videoId
          ? webhookEventStatement(videoId, "video.failed", {
              andAlso: sql`exists (select 1 from videos where id = ${videoId} and updated_at = now()
                and error_code = 'processing_cancelled')`,
            })
          : sql`select 1`,
      ),
    ]);
    const state = changed.rows[0]?.state;
    if (!state) throw await this.refusal(id, "cancelled", ["queued", "running"]);
    return { job: await this.summary(id), outcome: state === "cancelled" ? "cancelled" : "cancel_requested" };
  }

  /**
   * A new transcode from the kept source. A failed video goes back to processing; a ready one
   * stays ready (and playable) until the new encoding publishes over it.
   */
  async reprocess(videoId: string, admin: Admin): Promise<z.output<typeof ReprocessResultSchema>> {
    const { rows } = await this.db.execute<{ status: string; source_key: string | null }>(
      sql`select status, source_key from videos where id = ${videoId} and deleted_at is null`,
    );
    const video = rows[0];
    if (!video) throw new ApiError("not_found", "no such video");
    if (video.status !== "ready" && video.status !== "failed") {
      throw new ApiError(
        "conflict",
        `the video is ${video.status}: only a ready or failed video can be re-processed`,
        {
          details: { status: video.status },
        },
      );
    }
    if (!video.source_key) {
      throw new ApiError("conflict", "the video has no kept source to re-process (upload it again)");
    }
    const wasReady = video.status === "ready";
    const touchedNow = sql`exists (select 1 from videos where id = ${videoId} and updated_at = now())`;
    const [, queued] = await this.db.batch([
      // A failed video goes back to processing; a ready one is only marked (updated_at = now()).
      this.db.execute(reprocess(videoId, { status: video.status, sourceKey: video.source_key })),
      this.db.execute<{ id: string }>(
        enqueueStatement(
          {
            type: "transcode",
            videoId,
            payload: { sourceKey: video.source_key, ...(wasReady ? { reprocess: true } : {}) },
          },
          { onlyIf: touchedNow },
        ),
      ),
      this.db.execute(sql`
        insert into admin_actions (actor_id, actor_email, action, job_id, video_id, detail)
        select ${admin.id}::uuid, ${admin.email}, 'video.reprocess', j.id, ${videoId}::uuid,
               jsonb_build_object('previousStatus', ${video.status}::text)
        from jobs j where j.video_id = ${videoId} and j.type = 'transcode' and j.created_at = now()`),
    ]);
    const jobId = queued.rows[0]?.id;
    if (!jobId) {
      throw new ApiError(
        "conflict",
        "a transcode of this video is already queued or running, or the video changed",
      );
    }
    return { job: await this.summary(Number(jobId)), videoStatus: wasReady ? "ready" : "processing" };
  }

  private async summary(id: number) {
    const job = await this.queries.job(id);
    if (!job) throw notFound();
    return job;
  }

  private async refusal(id: number, what: string, allowed: string[]): Promise<ApiError> {
    const { rows } = await this.db.execute<{ state: string }>(sql`select state from jobs where id = ${id}`);
    const state = rows[0]?.state;
    return state ? refusedState(what, state, allowed) : notFound();
  }
}

function notFound(): ApiError {
  return new ApiError("not_found", "no such job (settled jobs are deleted after JOB_RETENTION_DAYS)");
}

function refusedState(what: string, state: string, allowed: string[]): ApiError {
  return new ApiError("conflict", `the job is ${state}: only a ${allowed.join(" or ")} job can be ${what}`, {
    details: { state },
  });
}

/** Retrying would make a second active job where only one may be (jobs_active_key). */
function duplicateActiveJob(err: unknown): never {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === "23505") {
      throw new ApiError("conflict", "another job of this type is already queued or running for this video");
    }
  }
  throw err;
}
