/**
 * Farm (Node) configuration, read from process.env once at start-up.
 */
import { z } from "zod";
import { booleanFlag, optionalString, port, positiveInt, postgresUrl } from "./env-types.ts";
import { logConfigFields } from "./log-config.ts";
import { algoliaHosts, algoliaIndex, requireAlgolia, searchProvider } from "./search-config.ts";
import { transcriptionConfigFields } from "./transcription.ts";

const farmConfigFields = z.object({
  FARM_HOST: z.string().default("127.0.0.1"),
  FARM_PORT: port(1080),
  /**
   * A direct (session) connection: upload locks are session-level advisory locks and the
   * lock hand-over uses LISTEN, both of which a transaction pooler (Neon `-pooler` hosts,
   * PgBouncer in transaction mode) silently breaks.
   */
  DATABASE_URL: postgresUrl.refine(
    (url) => !/^postgres(ql)?:\/\/[^/]*-pooler[.:/]/.test(url),
    "the farm needs a direct connection, not a transaction pooler: use the Neon host without `-pooler`",
  ),
  DB_TIMEOUT_MS: positiveInt(3000),
  S3_ENDPOINT: optionalString,
  S3_REGION: z.string().default("us-east-1"),
  S3_BUCKET: z.string().min(3).default("movio"),
  S3_ACCESS_KEY_ID: z.string().default("movio-local"),
  S3_SECRET_ACCESS_KEY: z.string().default("movio-local"),
  S3_FORCE_PATH_STYLE: booleanFlag(true),
  /** An S3 connection silent for this long is dropped and its request retried (a stalled S3). */
  S3_IDLE_TIMEOUT_MS: positiveInt(30_000),
  FFMPEG_PATH: optionalString,
  FFPROBE_PATH: optionalString,
  FARM_TMP_DIR: optionalString,
  SHUTDOWN_GRACE_MS: positiveInt(10_000),
  /** Where the edge publishes its public keys (upload tokens are verified with them). */
  EDGE_JWKS_URL: z.url().default("http://127.0.0.1:8787/.well-known/jwks.json"),
  /** A static JWKS (JSON) instead of fetching EDGE_JWKS_URL; useful offline and in tests. */
  JWT_PUBLIC_JWKS: optionalString,
  /** tus: S3 multipart part size (S3's minimum is 5 MiB). */
  TUS_PART_SIZE_BYTES: positiveInt(8 * 1024 * 1024).refine(
    (n) => n >= 5 * 1024 * 1024,
    "must be at least 5 MiB",
  ),
  /** Unfinished uploads that received no byte for this long are expired and their parts deleted. */
  UPLOAD_EXPIRY_S: positiveInt(24 * 3600),
  /** A tus request that sends no byte for this long is cut (there is no total limit: big files stream for hours). */
  UPLOAD_IDLE_TIMEOUT_MS: positiveInt(60_000),
  /** How long a tus request waits for an upload held by another request before answering 423. */
  UPLOAD_LOCK_WAIT_MS: positiveInt(5000),
  /** Uploads one user may have in progress at once (429 quota_exceeded beyond). */
  MAX_CONCURRENT_UPLOADS_PER_USER: positiveInt(3),
  /** Limits a source must meet (ffprobe checks them before any encoding). */
  MEDIA_MAX_WIDTH: positiveInt(7680),
  MEDIA_MAX_HEIGHT: positiveInt(7680),
  MEDIA_MAX_DURATION_S: positiveInt(6 * 3600),
  MEDIA_MAX_FPS: positiveInt(240),
  MEDIA_MAX_STREAMS: positiveInt(32),
  /**
   * Least bytes of file per second of claimed duration, for sources longer than a minute
   * (pictures larger than 4K UHD need proportionally more): a tiny file claiming hours of
   * static 8K would cost hours of encoding. Any real video, or a still with audio, is far
   * above 1000 B/s (8 kbit/s); below it the video fails with `source_too_sparse`.
   */
  MEDIA_MIN_BYTES_PER_S: positiveInt(1000),
  /**
   * Minutes of source one user may have accepted for processing in any 24 hours, deleted
   * videos included (the edge's limit of the same name, enforced again once the probe knows
   * the duration: a transcode past it fails with `quota_exceeded`). 600 = ten hours a day.
   */
  PROCESSING_MINUTES_PER_DAY: positiveInt(600),
  /**
   * Largest embedded subtitle stream read, as the WebVTT ffmpeg converts it to (4 MiB: twice
   * the largest file a subtitle PUT takes; a feature film's dialogue is about 100 KB). A larger
   * stream is not read: its track is `unsupported` (subtitle_stream_too_large).
   */
  SUBTITLE_STREAM_MAX_BYTES: positiveInt(4 * 1024 * 1024),
  /** Output frame rate cap of the ladder. */
  LADDER_MAX_FPS: positiveInt(30),
  /**
   * Integrated loudness every audio track is normalised to (EBU R128, LUFS), or `off` to keep
   * the source's levels. −16 LUFS is what streaming platforms aim for on phones and laptops.
   */
  LOUDNESS_TARGET: z
    .string()
    .optional()
    .transform((value, ctx) => {
      const text = (value ?? "-16").trim().toLowerCase();
      if (text === "off" || text === "false") return null;
      const lufs = Number(text);
      if (!Number.isFinite(lufs) || lufs < -70 || lufs > -5) {
        ctx.addIssue({ code: "custom", message: "must be a loudness in LUFS between -70 and -5, or off" });
        return z.NEVER;
      }
      return lufs;
    }),
  /**
   * Chunked transcoding: a source longer than this many seconds is split into chunks that any
   * farm node may encode (encode_chunk jobs), so one long video uses every node.
   */
  CHUNK_MIN_SOURCE_S: positiveInt(120),
  /**
   * …and only when at least this many farm nodes with workers are up: on fewer, splitting only
   * costs (warm-up GOPs, assembly, a first playable after every chunk's smallest rung) and
   * nothing runs side by side, so one node encodes it whole, playable after its first segments.
   */
  CHUNK_MIN_NODES: positiveInt(2),
  /**
   * Length of one chunk, once the chunks after the first have grown to it (by half each: a
   * viewer of the growing video keeps ahead): a whole number of the ladder's 2 s segments.
   */
  CHUNK_SECONDS: positiveInt(30).refine((n) => n % 2 === 0, "must be a whole number of 2 s segments (even)"),
  /**
   * Length of a chunked run's first chunk (whole 2 s segments, at most CHUNK_SECONDS): one
   * segment, so a long video plays seconds after its upload (the first audio piece, 8 s, is
   * then what it waits for: bench/README); the later chunks join it as they land, each half as
   * long again as the one before, up to CHUNK_SECONDS.
   */
  CHUNK_FIRST_SECONDS: positiveInt(2).refine(
    (n) => n % 2 === 0,
    "must be a whole number of 2 s segments (even)",
  ),
  /**
   * Length of one piece of a chunked run's audio (an encode_audio job each; rounded to the
   * segment grid). Short enough that a viewer of the growing video does not wait at a piece's
   * end; the first piece covers the first chunk instead.
   */
  CHUNK_AUDIO_SECONDS: positiveInt(120),
  /** ffmpeg threads for one transcode (0 = let ffmpeg decide). */
  FFMPEG_THREADS: z.coerce.number().int().min(0).default(0),
  /** Keep the uploaded source after publishing, for re-processing. */
  KEEP_SOURCE: booleanFlag(true),
  /**
   * Media a publish replaced (a re-processing, a retried attempt) stays this long, so players
   * that loaded the old manifest finish without a 404: by default as long as the edge's
   * playback tokens live (PLAYBACK_TOKEN_TTL_S, 6 h), past which no old URL is valid anyway.
   */
  SUPERSEDED_MEDIA_GRACE_S: z.coerce
    .number()
    .int()
    .min(0)
    .default(6 * 3600),
  /** Run job workers in this process (false: an upload-only node). */
  FARM_WORKERS: booleanFlag(true),
  /** Concurrent jobs per node, by type. */
  TRANSCODE_CONCURRENCY: positiveInt(1),
  /** Job lease: a worker that stops heart-beating for this long loses its job to another. */
  JOB_LEASE_MS: positiveInt(30_000),
  /** How often an idle worker looks for new jobs. */
  JOB_POLL_MS: positiveInt(1000),
  /** Finished jobs (done, failed, cancelled) are deleted this many days after they settled. */
  JOB_RETENTION_DAYS: positiveInt(7),
  /** How often every node looks for finished uploads left unrecorded and other chores. */
  MAINTENANCE_INTERVAL_MS: positiveInt(60_000),
  /** Name of this node in job leases and logs (default: hostname-pid). */
  FARM_NODE_ID: optionalString,
  /** LOG_LEVEL (debug|info|warn|error) and LOG_FORMAT (json|pretty). */
  ...logConfigFields,
  /** How often the node records that it is alive (farm_nodes; the jobs console lists nodes). */
  FARM_HEARTBEAT_MS: positiveInt(5000),
  /**
   * Webhooks: deliver to URLs resolving to loopback, private, link-local or cloud-metadata
   * addresses (the local stack turns this on; never in production: SSRF).
   */
  WEBHOOK_ALLOW_PRIVATE: booleanFlag(false),
  /** One delivery attempt may take this long (connect, send, response head and body). */
  WEBHOOK_TIMEOUT_MS: positiveInt(10_000),
  /** Retry n waits between half and all of min(cap, base·2^(n-1)); retries stop after the window. */
  WEBHOOK_BACKOFF_BASE_MS: positiveInt(5000),
  WEBHOOK_BACKOFF_CAP_MS: positiveInt(2 * 3600_000),
  /**
   * Secret: where mail goes, `smtp://user:pass@host:587` (STARTTLS when offered) or
   * `smtps://…:465`. Unset: this node sends no mail (send_email jobs wait for a node that does).
   */
  SMTP_URL: optionalString.pipe(
    z
      .string()
      .regex(/^smtps?:\/\/[^/]+/, "must be an smtp:// or smtps:// URL")
      .optional(),
  ),
  /** The From of every mail: an address the SMTP provider lets us send as. */
  MAIL_FROM: z.string().min(3).default("Movio <no-reply@movio.localhost>"),
  /** The edge's public address, for the links in mails the farm writes (a video ready or failed). */
  PUBLIC_BASE_URL: z.url().default("http://127.0.0.1:8787"),
  /** Retry n of a mail waits between half and all of min(cap, base·2^(n-1)). */
  MAIL_BACKOFF_BASE_MS: positiveInt(10_000),
  MAIL_BACKOFF_CAP_MS: positiveInt(30 * 60_000),
  /** How long a message is retried, and how long an endpoint may fail before it is disabled. */
  WEBHOOK_RETRY_WINDOW_S: positiveInt(24 * 3600),
  /** Delivery records (and their attempts) are deleted this many days after the event. */
  WEBHOOK_RETENTION_DAYS: positiveInt(30),
  /**
   * AWS Translate: region (default us-east-1) and an endpoint override for local stand-ins.
   * Credentials come from the AWS SDK's standard chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,
   * shared config files, container roles); the variables below only say whether there are any.
   */
  AWS_REGION: optionalString,
  AWS_TRANSLATE_ENDPOINT: optionalString.pipe(z.url().optional()),
  /** Read only to tell whether translation is on (shared/config/translation.ts). */
  AWS_ACCESS_KEY_ID: optionalString,
  AWS_PROFILE: optionalString,
  AWS_WEB_IDENTITY_TOKEN_FILE: optionalString,
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: optionalString,
  AWS_CONTAINER_CREDENTIALS_FULL_URI: optionalString,
  /** Automatic captions from speech (Amazon Transcribe): shared/config/transcription.ts. */
  ...transcriptionConfigFields,
  /** Polls of a running transcription: the first after this, then ×1.5 each up to the cap. */
  TRANSCRIBE_POLL_BASE_MS: positiveInt(5000),
  TRANSCRIBE_POLL_CAP_MS: positiveInt(60_000),
  /** A transcription still running after this long is deleted and its track failed. */
  TRANSCRIBE_MAX_WAIT_S: positiveInt(6 * 3600),
  /** Retry backoff of a failed attempt (throttling); tests make it fast. */
  TRANSCRIBE_BACKOFF_BASE_MS: positiveInt(5000),
  /** Speaker labels (a new cue when the speaker changes): up to this many speakers; 0 is off. */
  TRANSCRIBE_MAX_SPEAKERS: z.coerce.number().int().min(0).max(30).default(0),
  /** Characters a video may send to machine translation in all (it is billed per character). */
  TRANSLATE_MAX_CHARS_PER_VIDEO: positiveInt(200_000),
  /**
   * Characters one user may send to machine translation per calendar month (UTC), across all
   * their videos, deleted ones included: the edge's limit of the same name, enforced again
   * where the characters are sent (a translation past it fails with translation_quota_exceeded).
   */
  TRANSLATE_MONTHLY_CHARS: positiveInt(1_000_000),
  /**
   * The edge's subtitle limits, kept where the farm makes tracks: embedded streams past
   * SUBTITLE_MAX_TRACKS tracks are skipped (and logged), a translation that would add a track
   * past it fails, and an extracted stream with more than SUBTITLE_MAX_CUES cues is `unsupported`.
   */
  SUBTITLE_MAX_TRACKS: positiveInt(40),
  SUBTITLE_MAX_CUES: positiveInt(20_000),
  /**
   * Search: with `algolia`, every change to what search shows queues an `index_video` job (in
   * the change's own transaction) and this farm keeps the Algolia index current.
   */
  SEARCH_PROVIDER: searchProvider,
  ALGOLIA_APP_ID: optionalString,
  /** Secret: an admin key (writes records, applies settings, reads records by browsing). */
  ALGOLIA_ADMIN_KEY: optionalString,
  ALGOLIA_INDEX: algoliaIndex,
  /** Hosts other than Algolia's own (a local stand-in, tests): comma-separated base URLs. */
  ALGOLIA_HOSTS: algoliaHosts,
});

/** Selecting Algolia without its keys is refused at start, naming what is missing. */
export const farmConfigSchema = farmConfigFields.superRefine(
  requireAlgolia(["ALGOLIA_APP_ID", "ALGOLIA_ADMIN_KEY"]),
);

export type FarmConfig = z.output<typeof farmConfigSchema>;
