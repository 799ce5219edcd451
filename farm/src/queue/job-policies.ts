/**
 * Every job type's run-time policy in one table: attempts before giving up, the time one
 * attempt may take, how many run at once on a node, the retry backoff, and whether deleting
 * the video cancels a running job. What a job carries is in shared/jobs/job-types.ts.
 */
import type { JobType } from "../../../shared/jobs/job-types.ts";

export interface JobPolicy {
  attempts: number;
  timeoutMs: number;
  concurrency: number;
  /** Retry n waits between half and all of min(backoffCapMs, backoffBaseMs·2^(n-1)) (jittered). */
  backoffBaseMs: number;
  backoffCapMs: number;
  /** A running job of this type stops at its next heartbeat once its video is deleted. */
  stopsWhenVideoDeleted: boolean;
}

export type JobPolicies = Record<JobType, JobPolicy>;

export interface PolicyConfig {
  TRANSCODE_CONCURRENCY: number;
  /** Webhook delivery backoff (tests make it fast); default 5 s doubling up to 2 h. */
  WEBHOOK_BACKOFF_BASE_MS?: number;
  WEBHOOK_BACKOFF_CAP_MS?: number;
  /** Mail retry backoff (tests make it fast); default 10 s doubling up to 30 min. */
  MAIL_BACKOFF_BASE_MS?: number;
  MAIL_BACKOFF_CAP_MS?: number;
  /** Transcription retry backoff (tests make it fast); default 5 s doubling up to 5 min. */
  TRANSCRIBE_BACKOFF_BASE_MS?: number;
}

export function jobPolicies(config: PolicyConfig): JobPolicies {
  return {
    transcode: {
      attempts: 3,
      timeoutMs: 2 * 3600_000,
      concurrency: config.TRANSCODE_CONCURRENCY,
      backoffBaseMs: 4000,
      backoffCapMs: 5 * 60_000,
      stopsWhenVideoDeleted: true,
    },
    purge_video: {
      attempts: 8,
      timeoutMs: 5 * 60_000,
      concurrency: 2,
      backoffBaseMs: 2000,
      backoffCapMs: 10 * 60_000,
      stopsWhenVideoDeleted: false,
    },
    // Deletes a few prefixes; a video deleted meanwhile is purged whole anyway.
    retire_media: {
      attempts: 8,
      timeoutMs: 5 * 60_000,
      concurrency: 2,
      backoffBaseMs: 2000,
      backoffCapMs: 10 * 60_000,
      stopsWhenVideoDeleted: false,
    },
    translate_subtitles: {
      attempts: 5,
      timeoutMs: 10 * 60_000,
      concurrency: 2,
      backoffBaseMs: 5000,
      backoffCapMs: 5 * 60_000,
      stopsWhenVideoDeleted: true,
    },
    // One attempt is an audio extraction and an API call, or one poll: short. Waiting for the
    // provider is a re-queue with a delay (RescheduleJob), so it holds no slot. Deleting the
    // video does not stop it: the handler itself cancels the provider's job and removes files.
    transcribe_audio: {
      attempts: 8,
      timeoutMs: 30 * 60_000,
      concurrency: 2,
      backoffBaseMs: config.TRANSCRIBE_BACKOFF_BASE_MS ?? 5000,
      backoffCapMs: 5 * 60_000,
      stopsWhenVideoDeleted: false,
    },
    publish_subtitles: {
      attempts: 6,
      timeoutMs: 2 * 60_000,
      concurrency: 2,
      backoffBaseMs: 1000,
      backoffCapMs: 60_000,
      stopsWhenVideoDeleted: true,
    },
    // A deleted video is exactly when its records must go: deletion never stops this job.
    // Generous attempts: an Algolia outage of several minutes must not leave records stale.
    index_video: {
      attempts: 10,
      timeoutMs: 2 * 60_000,
      concurrency: 2,
      backoffBaseMs: 1000,
      backoffCapMs: 5 * 60_000,
      stopsWhenVideoDeleted: false,
    },
    // Fans an event out into deliveries: a few database writes. video.deleted must still go out.
    webhook_event: {
      attempts: 10,
      timeoutMs: 60_000,
      concurrency: 2,
      backoffBaseMs: 1000,
      backoffCapMs: 5 * 60_000,
      stopsWhenVideoDeleted: false,
    },
    // One HTTP attempt per run. Retries end when the delivery's 24-hour window does (the
    // handler then gives up), so `attempts` is only a backstop above what the window allows.
    deliver_webhook: {
      attempts: 200,
      timeoutMs: 60_000,
      concurrency: 4,
      backoffBaseMs: config.WEBHOOK_BACKOFF_BASE_MS ?? 5000,
      backoffCapMs: config.WEBHOOK_BACKOFF_CAP_MS ?? 2 * 3600_000,
      stopsWhenVideoDeleted: false,
    },
    // One chunk is at most CHUNK_SECONDS of the ladder: far shorter than a whole transcode.
    // A failed chunk retries alone; the video fails only when one gives up for good.
    encode_chunk: {
      attempts: 4,
      timeoutMs: 30 * 60_000,
      concurrency: config.TRANSCODE_CONCURRENCY,
      backoffBaseMs: 2000,
      backoffCapMs: 60_000,
      stopsWhenVideoDeleted: true,
    },
    // One piece of the audio (CHUNK_AUDIO_SECONDS): like a chunk, retried alone.
    encode_audio: {
      attempts: 4,
      timeoutMs: 30 * 60_000,
      concurrency: config.TRANSCODE_CONCURRENCY,
      backoffBaseMs: 2000,
      backoffCapMs: 60_000,
      stopsWhenVideoDeleted: true,
    },
    // Stream copies and uploads: I/O, not encoding. One at a time per node.
    assemble_video: {
      attempts: 4,
      timeoutMs: 60 * 60_000,
      concurrency: 1,
      backoffBaseMs: 2000,
      backoffCapMs: 60_000,
      stopsWhenVideoDeleted: true,
    },
    // One SMTP conversation per run. 12 attempts at the default backoff cover about 4 hours
    // of a provider being down; the job's row keeps the last error for the jobs console.
    send_email: {
      attempts: 12,
      timeoutMs: 60_000,
      concurrency: 2,
      backoffBaseMs: config.MAIL_BACKOFF_BASE_MS ?? 10_000,
      backoffCapMs: config.MAIL_BACKOFF_CAP_MS ?? 30 * 60_000,
      stopsWhenVideoDeleted: false,
    },
  };
}

/** How long to wait before retry number `attempt` (1-based): jittered, under a cap. */
export function backoffMs(policy: JobPolicy, attempt: number, random = Math.random): number {
  const ceiling = Math.min(policy.backoffCapMs, policy.backoffBaseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling * (0.5 + random() / 2));
}
