/**
 * What the node does with the runner's job events: one structured log line per event (job id,
 * type, video, attempt, duration, outcome; the logger adds the node) and the job metrics.
 */
import type { Logger, LogLevel } from "../../../shared/logging/logger.ts";
import type { JobEvent, JobEventKind } from "../queue/job-runner.ts";
import type { FarmMetrics } from "./farm-metrics.ts";

const LEVEL: Record<JobEventKind, LogLevel> = {
  started: "info",
  done: "info",
  retry: "warn",
  failed: "error",
  lost: "warn",
  cancelled: "info",
  shutdown: "info",
  waiting: "info",
};

export function jobEventReporter(
  logger: Logger,
  metrics: Pick<FarmMetrics, "jobSettled">,
): (event: JobEvent) => void {
  return ({ kind, job, durationMs, message, error, retryInMs }) => {
    if (kind !== "started") metrics.jobSettled(job.type, kind, durationMs / 1000);
    logger.log(LEVEL[kind], message, {
      event: `job.${kind}`,
      jobId: job.id,
      type: job.type,
      videoId: job.videoId ?? undefined,
      attempt: job.attempts,
      ...(kind === "started" ? {} : { outcome: kind, durationMs }),
      ...(error === undefined ? {} : { error }),
      ...(retryInMs === undefined ? {} : { retryInMs }),
    });
  };
}
