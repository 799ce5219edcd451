/**
 * The farm's Prometheus metrics (prom-client), served at GET /metrics. One registry per node
 * (tests run several nodes in one process), every series labelled `node` (FARM_NODE_ID).
 * The runner, the tus server, the S3 clients and the ffmpeg wrapper report through the small
 * methods below; the queue's state is read from Postgres when scraped (job-stats.ts).
 * Every series is listed in docs/operations.md (Metrics).
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { JobType } from "../../../shared/jobs/job-types.ts";
import type { JobStats } from "./job-stats.ts";

/** How an attempt ended: the runner's outcomes (`retry`: failed, will run again). */
export type JobOutcome = "done" | "retry" | "failed" | "lost" | "cancelled" | "shutdown" | "waiting";

/** Why an upload request or an upload failed (docs/operations.md lists them). */
export type UploadFailure = "error" | "aborted" | "refused" | "expired";

export class FarmMetrics {
  readonly registry = new Registry();
  private readonly jobDuration: Histogram<"type" | "outcome">;
  private readonly jobRetries: Counter<"type">;
  private readonly leaseLosses: Counter<"type">;
  private readonly transcodeSpeed: Histogram;
  private readonly transcodeSourceSeconds: Counter;
  private readonly transcodeWallSeconds: Counter;
  private readonly uploadsInProgress: Gauge;
  private readonly uploadBytes: Counter;
  private readonly uploadFailures: Counter<"reason">;
  private readonly s3Errors: Counter<"operation">;
  private readonly ffmpegFailures: Counter<"tool" | "reason">;

  constructor(nodeId: string, jobStats?: JobStats) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ node: nodeId });
    collectDefaultMetrics({ register: this.registry });

    if (jobStats) {
      // Read from Postgres when scraped (cached a few seconds): the same on every node.
      new Gauge({
        name: "movio_jobs",
        help: "Jobs in the queue by type and state (whole farm, from Postgres)",
        labelNames: ["type", "state"],
        registers,
        async collect() {
          const stats = await jobStats.read();
          this.reset();
          for (const { type, state, count } of stats.counts) this.set({ type, state }, count);
        },
      });
      new Gauge({
        name: "movio_jobs_oldest_queued_age_seconds",
        help: "Age of the oldest job waiting to run (queued and due), by type; 0 when none waits",
        labelNames: ["type"],
        registers,
        async collect() {
          const stats = await jobStats.read();
          this.reset();
          for (const [type, age] of stats.oldestQueuedAge) this.set({ type }, age);
        },
      });
    }
    this.jobDuration = new Histogram({
      name: "movio_job_duration_seconds",
      help: "Wall time of one job attempt on this node, by type and outcome",
      labelNames: ["type", "outcome"],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200],
      registers,
    });
    this.jobRetries = new Counter({
      name: "movio_job_retries_total",
      help: "Job attempts that failed and were queued again with backoff",
      labelNames: ["type"],
      registers,
    });
    this.leaseLosses = new Counter({
      name: "movio_job_lease_lost_total",
      help: "Job attempts stopped because this node lost the job's lease (taken over, or not renewable)",
      labelNames: ["type"],
      registers,
    });
    this.transcodeSpeed = new Histogram({
      name: "movio_transcode_speed_ratio",
      help: "Source seconds encoded per wall-clock second, per ladder encode (above 1: faster than real time)",
      buckets: [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 4, 8, 16],
      registers,
    });
    this.transcodeSourceSeconds = new Counter({
      name: "movio_transcode_source_seconds_total",
      help: "Seconds of source video encoded (divide by movio_transcode_wall_seconds_total for the speed)",
      registers,
    });
    this.transcodeWallSeconds = new Counter({
      name: "movio_transcode_wall_seconds_total",
      help: "Wall-clock seconds spent in ladder encodes",
      registers,
    });
    this.uploadsInProgress = new Gauge({
      name: "movio_uploads_in_progress",
      help: "tus PATCH requests streaming into this node now",
      registers,
    });
    this.uploadBytes = new Counter({
      name: "movio_upload_received_bytes_total",
      help: "Bytes received by tus PATCH requests on this node",
      registers,
    });
    this.uploadFailures = new Counter({
      name: "movio_upload_failures_total",
      help: "Failed uploads by reason: error (5xx), aborted (cut before the answer), refused (creation refused), expired (abandoned and removed)",
      labelNames: ["reason"],
      registers,
    });
    this.s3Errors = new Counter({
      name: "movio_s3_errors_total",
      help: "S3 requests that failed, by operation (each failed try counts; 404 Not Found does not)",
      labelNames: ["operation"],
      registers,
    });
    this.ffmpegFailures = new Counter({
      name: "movio_ffmpeg_failures_total",
      help: "ffmpeg and ffprobe runs that failed, by tool and reason",
      labelNames: ["tool", "reason"],
      registers,
    });
  }

  /** The exposition (text format) and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  jobSettled(type: JobType, outcome: JobOutcome, seconds: number): void {
    this.jobDuration.observe({ type, outcome }, seconds);
    if (outcome === "retry") this.jobRetries.inc({ type });
    if (outcome === "lost") this.leaseLosses.inc({ type });
  }

  transcoded(sourceSeconds: number, wallSeconds: number): void {
    if (sourceSeconds <= 0 || wallSeconds <= 0) return;
    this.transcodeSpeed.observe(sourceSeconds / wallSeconds);
    this.transcodeSourceSeconds.inc(sourceSeconds);
    this.transcodeWallSeconds.inc(wallSeconds);
  }

  uploadStarted(): void {
    this.uploadsInProgress.inc();
  }

  uploadEnded(): void {
    this.uploadsInProgress.dec();
  }

  uploadReceived(bytes: number): void {
    if (bytes > 0) this.uploadBytes.inc(bytes);
  }

  uploadFailed(reason: UploadFailure, count = 1): void {
    if (count > 0) this.uploadFailures.inc({ reason }, count);
  }

  s3Error(operation: string): void {
    this.s3Errors.inc({ operation });
  }

  ffmpegFailed(tool: "ffmpeg" | "ffprobe", reason: string): void {
    this.ffmpegFailures.inc({ tool, reason });
  }
}
