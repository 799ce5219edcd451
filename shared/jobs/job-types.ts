/**
 * The job contract shared by edge and farm: every job type, the payload it carries (zod, so
 * a bad payload is refused when enqueued, not discovered by a worker hours later), and how
 * the queue treats it. The farm's run-time policies (attempts, timeouts, concurrency) live
 * beside its handlers in farm/src/jobs/job-policies.ts.
 */
import { z } from "zod";

export const jobPayloadSchemas = {
  /** Encode the uploaded source into the adaptive ladder and publish it. */
  transcode: z.object({ sourceKey: z.string().min(1) }),
  /** Remove everything stored for a deleted video: upload remnants, source, media. */
  purge_video: z.object({}),
} as const;

export type JobType = keyof typeof jobPayloadSchemas;
export const JOB_TYPES = Object.keys(jobPayloadSchemas) as JobType[];
export type JobPayload<T extends JobType> = z.output<(typeof jobPayloadSchemas)[T]>;

export interface JobTraits {
  /** Higher runs first among due jobs; short interactive work goes above long transcodes. */
  priority: number;
  /** At most one queued-or-running job of this type per video (false: any number). */
  oneActivePerVideo: boolean;
}

export const JOB_TRAITS: Record<JobType, JobTraits> = {
  transcode: { priority: 0, oneActivePerVideo: true },
  purge_video: { priority: 10, oneActivePerVideo: true },
};

export const JOB_STATES = ["queued", "running", "done", "failed", "cancelled"] as const;
export type JobState = (typeof JOB_STATES)[number];
