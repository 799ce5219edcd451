/**
 * The job contract shared by edge and farm: every job type, the payload it carries (zod, so
 * a bad payload is refused when enqueued, not discovered by a worker hours later), and how
 * the queue treats it. The farm's run-time policies (attempts, timeouts, concurrency) live
 * beside its handlers in farm/src/queue/job-policies.ts.
 */
import { z } from "zod";
import { MAIL_TEMPLATES } from "../mail/mail-templates.ts";
import { WEBHOOK_EVENTS } from "../webhooks/events.ts";

export const jobPayloadSchemas = {
  /**
   * Encode the uploaded source into the adaptive ladder and publish it. `reprocess`: an
   * admin asked to encode a ready video again; it stays ready (old media) until this publishes.
   */
  transcode: z.object({ sourceKey: z.string().min(1), reprocess: z.boolean().optional() }),
  /** Remove everything stored for a deleted video: upload remnants, source, media. */
  purge_video: z.object({}),
  /**
   * Remove media directories of the video that nothing plays any more: the ones a publish
   * replaced (queued to run once players that loaded the old manifest are done with it), or a
   * failed attempt's first playable when the owner reopens it for a new upload. Each is
   * `media/<video>/<dir>/`.
   */
  retire_media: z.object({
    prefixes: z
      .array(z.string().regex(/^media\/[0-9a-f-]{36}\/[^/]+\/$/, "must be a video's media directory"))
      .min(1)
      .max(100),
  }),
  /** Machine-translate one track's cues into one language (AWS Translate). */
  translate_subtitles: z.object({ sourceTrackId: z.uuid(), to: z.string().min(2).max(35) }),
  /**
   * Captions from the video's speech (Amazon Transcribe, farm/src/subtitles/transcribe-job.ts).
   * Queued after its first playable; `regenerate`: asked for by the owner (runs even when the
   * video has a text track or opted out). Once the provider's job is started the handler
   * re-queues itself with a delay to poll it, remembering `providerJob` (its name), `trackId`,
   * `polls` and `startedAt` here, so a farm restart resumes the same job (no second bill).
   */
  transcribe_audio: z.object({
    regenerate: z.boolean().optional(),
    trackId: z.uuid().optional(),
    providerJob: z
      .string()
      .regex(/^[0-9a-zA-Z._-]{1,200}$/)
      .optional(),
    /** Object keys to remove when done: the audio sent and the transcript written. */
    audioKey: z.string().min(1).optional(),
    outputKey: z.string().min(1).optional(),
    polls: z.number().int().min(0).optional(),
    startedAt: z.iso.datetime().optional(),
    /** Seconds reserved in the owner's month (trued up to nothing if the job never starts). */
    reservedSeconds: z.number().int().min(0).optional(),
  }),
  /** Write the video's ready subtitle tracks as files and re-publish its manifests (no re-encode). */
  publish_subtitles: z.object({}),
  /**
   * Algolia only: replace the video's search records with what Postgres says now (none once it
   * is private, unlisted, unready or deleted). Queued with every change search shows.
   */
  index_video: z.object({}),
  /**
   * Something happened to a video (`event`) that its owner's webhooks may want: makes one
   * delivery per subscribed endpoint and queues each. Queued in the event's own transaction.
   */
  webhook_event: z.object({
    event: z.enum(WEBHOOK_EVENTS),
    occurredAt: z.iso.datetime(),
    /** Event details beyond the video's own (e.g. the published subtitle languages). */
    data: z.record(z.string(), z.unknown()).optional(),
  }),
  /** Sends one delivery (one message to one endpoint); retried with backoff for 24 hours. */
  deliver_webhook: z.object({ deliveryId: z.uuid() }),
  /**
   * Chunked transcoding: encode one chunk of a long source (farm/src/transcode/). `first`: the
   * ladder's smallest rung (what plays first); `rest`: the other rungs.
   */
  encode_chunk: z.object({
    runId: z.uuid(),
    part: z.enum(["first", "rest"]),
    index: z.number().int().min(0),
  }),
  /**
   * Chunked transcoding: encode one piece of the audio (every track) of a long source, read by
   * byte ranges; queued with the chunks, so the audio never waits for one node.
   */
  encode_audio: z.object({ runId: z.uuid(), index: z.number().int().min(0) }),
  /**
   * Chunked transcoding: write a run's manifests — `playable`: growing ones of the smallest
   * rung with the audio, once the first chunk of both is out; `grow`: the same, longer, after
   * the unit `after` finished; `final`: the whole ladder.
   */
  assemble_video: z.object({
    runId: z.uuid(),
    stage: z.enum(["playable", "grow", "final"]),
    after: z.string().max(40).optional(),
  }),
  /**
   * One mail to one address (farm/src/mail/): the template's name and what it fills in. Queued
   * by the edge in the transaction of the action that causes it; no video (`videoId` null).
   */
  send_email: z.object({
    template: z.enum(MAIL_TEMPLATES),
    to: z.email(),
    data: z.record(z.string(), z.string().max(2000)),
  }),
} as const;

export type JobType = keyof typeof jobPayloadSchemas;
export const JOB_TYPES = Object.keys(jobPayloadSchemas) as JobType[];
export type JobPayload<T extends JobType> = z.output<(typeof jobPayloadSchemas)[T]>;

export interface JobTraits<T extends JobType = JobType> {
  /**
   * Higher runs first among due jobs; short interactive work goes above long transcodes. A
   * function when it depends on the payload.
   */
  priority: number | ((payload: JobPayload<T>) => number);
  /**
   * What must be unique among queued-or-running jobs of this type (besides the type), or
   * undefined for no limit: one transcode per video, one translation per video and language.
   */
  activeKey?: (videoId: string, payload: JobPayload<T>) => string;
}

export const JOB_TRAITS: { [T in JobType]: JobTraits<T> } = {
  transcode: { priority: 0, activeKey: (videoId) => videoId },
  purge_video: { priority: 10, activeKey: (videoId) => videoId },
  // Not deduplicated: each names its own directories, and deleting twice is harmless.
  retire_media: { priority: 10 },
  translate_subtitles: { priority: 5, activeKey: (videoId, payload) => `${videoId}:${payload.to}` },
  // One transcription per video at a time: a re-generation asked for while one runs adds nothing.
  transcribe_audio: { priority: 4, activeKey: (videoId) => videoId },
  // Not deduplicated: a change made while a publish runs needs a publish after it. Publishing
  // is idempotent and reads the latest state, so an extra one costs only a few small files.
  publish_subtitles: { priority: 20 },
  // Not deduplicated either, for the same reason; runs for one video are serialised by a lock
  // (farm/src/search/search-indexer.ts), so the last to run reads and writes the latest state.
  index_video: { priority: 15 },
  webhook_event: { priority: 25 },
  // One active job per delivery: a redelivery asked for while one is queued adds nothing.
  deliver_webhook: { priority: 25, activeKey: (_videoId, payload) => payload.deliveryId },
  // Chunks above whole-video transcodes (a started video finishes before the next starts), the
  // smallest rung of every chunk before the other rungs (the video plays sooner), and assembly
  // above both (it is what publishes).
  encode_chunk: {
    priority: (payload) => (payload.part === "first" ? 2 : 1),
    activeKey: (_videoId, payload) => `${payload.runId}:${payload.part}:${payload.index}`,
  },
  // With the smallest rung: the playable stage waits for both.
  encode_audio: { priority: 2, activeKey: (_videoId, payload) => `${payload.runId}:audio:${payload.index}` },
  // One per stage; a `grow` per unit that asked for it (one queued while another runs is needed).
  assemble_video: {
    priority: 3,
    activeKey: (_videoId, payload) =>
      payload.stage === "grow"
        ? `${payload.runId}:grow:${payload.after}`
        : `${payload.runId}:${payload.stage}`,
  },
  // Someone is waiting for it (a sign-up, a reset): above everything else. Not deduplicated.
  send_email: { priority: 30 },
};

/** A job's priority as stored (see JobTraits.priority). */
export function priorityOf<T extends JobType>(type: T, payload: JobPayload<T>): number {
  const priority = (JOB_TRAITS[type] as JobTraits<T>).priority;
  return typeof priority === "function" ? priority(payload) : priority;
}

export const JOB_STATES = ["queued", "running", "done", "failed", "cancelled"] as const;
export type JobState = (typeof JOB_STATES)[number];
