/**
 * Every job type's policy in one table: attempts before giving up, the time one attempt may
 * take, and how many run at once on a node.
 */
export interface JobPolicy {
  attempts: number;
  timeoutMs: number;
  concurrency: number;
}

export type JobType = "transcode" | "purge_video";

export function jobPolicies(config: { TRANSCODE_CONCURRENCY: number }): Record<JobType, JobPolicy> {
  return {
    transcode: { attempts: 3, timeoutMs: 2 * 3600_000, concurrency: config.TRANSCODE_CONCURRENCY },
    purge_video: { attempts: 5, timeoutMs: 5 * 60_000, concurrency: 2 },
  };
}
