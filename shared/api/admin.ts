/**
 * The admin API (`/api/v1/admin/*`, the jobs console's): zod schemas that validate requests
 * and document responses in /openapi.json.
 */
import { z } from "@hono/zod-openapi";
import { VIDEO_STATUSES } from "../db/schema.ts";
import { JOB_STATES, JOB_TYPES } from "../jobs/job-types.ts";
import { UUID_PATTERN } from "./common.ts";
import { pageCursor, pageLimit } from "./page-query.ts";

const dateTime = () => z.string().openapi({ format: "date-time" });
const JobType = z.enum(JOB_TYPES as [string, ...string[]]);
const JobState = z.enum(JOB_STATES);

/** `:id` of a job: the queue's numeric id. */
export const JobIdParam = z.object({
  id: z
    .string()
    .regex(/^[1-9]\d{0,17}$/)
    .openapi({ param: { name: "id", in: "path" }, example: "42" }),
});

const cursorParam = pageCursor.openapi({ description: "`nextCursor` of the previous page" });

export const JobListQuery = z.object({
  state: JobState.optional().openapi({ param: { name: "state", in: "query" } }),
  type: JobType.optional().openapi({ param: { name: "type", in: "query" } }),
  videoId: z
    .string()
    .regex(UUID_PATTERN, "must be a video id")
    .optional()
    .openapi({ param: { name: "videoId", in: "query" } }),
  node: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .openapi({ param: { name: "node", in: "query" }, description: "Jobs last run by this farm node" }),
  limit: pageLimit(100, 50),
  cursor: cursorParam,
});

export const JobSummarySchema = z
  .object({
    id: z.number().int(),
    type: z.string(),
    state: JobState,
    videoId: z.string().nullable(),
    videoTitle: z.string().nullable(),
    payload: z.record(z.string(), z.unknown()),
    priority: z.number().int(),
    attempts: z.number().int().openapi({ description: "Attempts made (an admin retry starts again at 0)" }),
    node: z.string().nullable().openapi({ description: "The node running it, or that ran it last" }),
    createdAt: dateTime(),
    updatedAt: dateTime(),
    runAt: dateTime().openapi({ description: "When a queued job becomes due (retries wait)" }),
    startedAt: dateTime().nullable(),
    finishedAt: dateTime().nullable(),
    leaseUntil: dateTime().nullable(),
    cancelRequestedAt: dateTime().nullable(),
    lastError: z.string().nullable(),
    hasStderr: z.boolean().openapi({ description: "The job detail has ffmpeg's stderr tail" }),
  })
  .openapi("AdminJob");

export const JobAttemptSchema = z
  .object({
    attempt: z.number().int(),
    node: z.string(),
    startedAt: dateTime(),
    finishedAt: dateTime().nullable(),
    durationMs: z.number().int().nullable(),
    outcome: z
      .enum(["done", "retry", "failed", "cancelled", "released", "lost"])
      .nullable()
      .openapi({ description: "null while it runs" }),
    error: z.string().nullable(),
    stderrTail: z.string().nullable(),
  })
  .openapi("AdminJobAttempt");

export const AdminActionSchema = z
  .object({
    id: z.number().int(),
    actor: z.object({ id: z.string().nullable(), email: z.string() }),
    action: z.enum(["job.retry", "job.cancel", "video.reprocess"]),
    jobId: z.number().int().nullable(),
    videoId: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()),
    createdAt: dateTime(),
  })
  .openapi("AdminAction");

export const JobDetailSchema = JobSummarySchema.extend({
  stderrTail: z.string().nullable(),
  attemptsLog: z.array(JobAttemptSchema),
  actions: z.array(AdminActionSchema),
}).openapi("AdminJobDetail");

export const JobListSchema = z
  .object({ items: z.array(JobSummarySchema), nextCursor: z.string().nullable() })
  .openapi("AdminJobList");

export const NodeSchema = z
  .object({
    nodeId: z.string(),
    host: z.string(),
    pid: z.number().int(),
    workers: z.boolean(),
    status: z.enum(["up", "down", "stopped"]).openapi({
      description: "down: no heartbeat for 30 s; stopped: shut down cleanly",
    }),
    startedAt: dateTime(),
    lastSeenAt: dateTime(),
    stoppedAt: dateTime().nullable(),
    runningJobs: z.array(
      z.object({
        id: z.number().int(),
        type: z.string(),
        videoId: z.string().nullable(),
        attempts: z.number().int(),
        startedAt: dateTime().nullable(),
      }),
    ),
  })
  .openapi("FarmNode");

export const NodeListSchema = z.object({ items: z.array(NodeSchema) }).openapi("FarmNodeList");

export const StatsSchema = z
  .object({
    videos: z.object({
      total: z.number().int(),
      byStatus: z.record(z.enum(VIDEO_STATUSES), z.number().int()),
    }),
    storage: z.object({
      sourceBytes: z.number().openapi({ description: "Uploaded sources kept for re-processing" }),
      mediaBytes: z.number().openapi({ description: "Published ladders, posters and storyboards" }),
      totalBytes: z.number(),
    }),
    jobs: z.object({
      byState: z.record(JobState, z.number().int()),
      byType: z.array(z.object({ type: z.string(), state: JobState, count: z.number().int() })),
      oldestQueuedAt: dateTime().nullable(),
    }),
    nodes: z.object({ up: z.number().int(), down: z.number().int(), runningJobs: z.number().int() }),
    generatedAt: dateTime(),
  })
  .openapi("AdminStats");

export const ActionListQuery = z.object({
  jobId: z
    .string()
    .regex(/^[1-9]\d{0,17}$/)
    .optional()
    .openapi({ param: { name: "jobId", in: "query" } }),
  limit: pageLimit(100, 50),
  cursor: cursorParam,
});

export const ActionListSchema = z
  .object({ items: z.array(AdminActionSchema), nextCursor: z.string().nullable() })
  .openapi("AdminActionList");

export const JobActionResultSchema = z
  .object({
    job: JobSummarySchema,
    outcome: z.enum(["queued", "cancelled", "cancel_requested"]).openapi({
      description: "cancel_requested: the job is running and stops at its next heartbeat",
    }),
  })
  .openapi("AdminJobActionResult");

export const ReprocessResultSchema = z
  .object({ job: JobSummarySchema, videoStatus: z.enum(VIDEO_STATUSES) })
  .openapi("AdminReprocessResult");
