/**
 * The database schema: the single source of truth for edge and farm. migrations/ is
 * generated from this file by `npm run db:generate` (drizzle-kit); never edit a landed
 * migration, change this file and generate a new one.
 */
import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  check,
  customType,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { JOB_STATES } from "../jobs/job-types.ts";

export interface PublishedMedia {
  dash: string;
  hls: string;
  poster: string | null;
  storyboard: string | null;
  /** The subtitle tracks declared in `dash`/`hls`, each with its WebVTT file (absent: none). */
  subtitles?: PublishedSubtitle[];
  /**
   * When the first rendition was published (ISO time): the video plays from then on, while
   * `status` is still `processing` and the rest of the ladder is encoded.
   */
  playableAt?: string;
}

export interface PublishedSubtitle {
  trackId: string;
  lang: string | null;
  label: string;
  kind: "subtitles" | "captions";
  origin: "embedded" | "uploaded" | "machine" | "auto";
  isDefault: boolean;
  file: string;
}

/** Postgres full-text documents; only triggers write them (see migrations/0005_search.sql). */
const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });

/** The text search configuration a trigger picked from the row's language (`movio_english`, `movio_simple`, …). */
const searchConfig = () => text("search_config").notNull().default("movio_simple");

const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    email: text("email").notNull(),
    passwordHash: text("password_hash").notNull(),
    displayName: text("display_name").notNull(),
    role: text("role", { enum: ["viewer", "admin"] })
      .notNull()
      .default("viewer"),
    /** When the owner opened a verification (or password reset) link mailed to `email`. */
    emailVerifiedAt: timestamp("email_verified_at", { withTimezone: true }),
    /** Opt-in: mail the owner when one of their videos is ready or has failed (the farm queues it). */
    videoMail: boolean("video_mail").notNull().default(false),
    /** Opt-out: false stops captions being generated from speech for the owner's videos (issue 23). */
    autoCaptions: boolean("auto_captions").notNull().default(true),
    /**
     * The owner deleted the account (DELETE /api/v1/me): the row stays as a tombstone for the
     * soft-deleted videos that point at it (the farm relies on video rows never going), with
     * its address, name and password wiped, so the address is free to sign up again.
     */
    deletedAt: timestamp("deleted_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("users_email_key").on(t.email),
    check("users_role_check", sql`${t.role} in ('viewer', 'admin')`),
  ],
);

/**
 * Refresh tokens are stored only as SHA-256 hashes. Every rotation inserts a new row in the
 * same family and marks the old one used; presenting a used token revokes the family.
 */
export const refreshTokens = pgTable(
  "refresh_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    familyId: uuid("family_id").notNull(),
    tokenHash: text("token_hash").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("refresh_tokens_hash_key").on(t.tokenHash),
    index("refresh_tokens_family_idx").on(t.familyId),
  ],
);

/**
 * Links mailed to an account (verify the address, reset the password): stored only as SHA-256
 * hashes of the random token, single use (`used_at`), valid until `expires_at`.
 */
export const emailTokens = pgTable(
  "email_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    purpose: text("purpose", { enum: ["verify_email", "password_reset", "change_email"] }).notNull(),
    /** change_email: the address that replaces `users.email` once this link is opened. */
    newEmail: text("new_email"),
    tokenHash: text("token_hash").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("email_tokens_hash_key").on(t.tokenHash),
    index("email_tokens_user_idx").on(t.userId, t.purpose),
    check(
      "email_tokens_purpose_check",
      sql`${t.purpose} in ('verify_email', 'password_reset', 'change_email')`,
    ),
  ],
);

/**
 * Failed sign-ins per account, whatever the client's address (edge/src/services/
 * login-backoff.ts). Keyed by a SHA-256 of the normalised email, so an unknown email is
 * throttled exactly like a real account (no enumeration) and no guessed address is stored.
 * `blocked_until` is when the next attempt may be checked; a success deletes the row.
 */
export const loginThrottles = pgTable(
  "login_throttles",
  {
    accountKey: text("account_key").primaryKey(),
    failures: integer("failures").notNull().default(0),
    lastFailedAt: timestamp("last_failed_at", { withTimezone: true }).notNull().defaultNow(),
    blockedUntil: timestamp("blocked_until", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("login_throttles_last_failed_idx").on(t.lastFailedAt)],
);

export const VIDEO_STATUSES = ["awaiting_upload", "uploading", "processing", "ready", "failed"] as const;
export const VIDEO_VISIBILITIES = ["public", "unlisted", "private"] as const;

export const videos = pgTable(
  "videos",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    ownerId: uuid("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    description: text("description").notNull().default(""),
    visibility: text("visibility", { enum: VIDEO_VISIBILITIES }).notNull(),
    language: text("language"),
    translateTo: text("translate_to").array().notNull().default(sql`'{}'::text[]`),
    status: text("status", { enum: VIDEO_STATUSES }).notNull().default("awaiting_upload"),
    progress: integer("progress").notNull().default(0),
    durationMs: integer("duration_ms"),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    storagePrefix: text("storage_prefix"),
    /** Object key of the uploaded source file, set when its tus upload completes. */
    sourceKey: text("source_key"),
    sourceBytes: bigint("source_bytes", { mode: "number" }),
    /** Bytes the farm published for the current media (the ladder, poster, storyboard). */
    mediaBytes: bigint("media_bytes", { mode: "number" }),
    /** What the farm published under storage_prefix: manifests, poster, storyboard. */
    media: jsonb("media").$type<PublishedMedia>(),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    /** Characters sent to machine translation for this video (capped: it costs money). */
    translatedChars: bigint("translated_chars", { mode: "number" }).notNull().default(0),
    /** Bumped whenever the published subtitle set changes: manifests are named by it. */
    subtitlesVersion: integer("subtitles_version").notNull().default(0),
    /** Opt-out for this video: false generates no captions from its speech (shared/config/transcription.ts). */
    autoCaptions: boolean("auto_captions").notNull().default(true),
    /** Last time upload bytes arrived: unfinished uploads expire UPLOAD_EXPIRY_S after it. */
    uploadActivityAt: timestamp("upload_activity_at", { withTimezone: true }),
    readyAt: timestamp("ready_at", { withTimezone: true }),
    deletedAt: timestamp("deleted_at", { withTimezone: true }),
    searchConfig: searchConfig(),
    /** Title words: stemmed at weight A, as written (for prefixes) at weight C. */
    titleTsv: tsvector("title_tsv"),
    /** Description words: stemmed at weight B, as written at weight D. */
    descriptionTsv: tsvector("description_tsv"),
  },
  (t) => [
    // Title and description are searched as one document (a query's words may be spread
    // over both); the weights still tell which field a word came from.
    index("videos_search_doc_idx").using("gin", sql`(${t.titleTsv} || ${t.descriptionTsv})`),
    index("videos_search_config_idx").on(t.searchConfig),
    index("videos_public_listing_idx")
      .on(t.createdAt.desc(), t.id.desc())
      .where(sql`${t.status} = 'ready' and ${t.visibility} = 'public' and ${t.deletedAt} is null`),
    index("videos_owner_idx").on(t.ownerId, t.createdAt.desc(), t.id.desc()),
    check("videos_progress_check", sql`${t.progress} between 0 and 100`),
    check(
      "videos_status_check",
      sql`${t.status} in ('awaiting_upload','uploading','processing','ready','failed')`,
    ),
    check("videos_visibility_check", sql`${t.visibility} in ('public','unlisted','private')`),
  ],
);

/**
 * The job queue lives in Postgres beside the data it changes, so enqueueing commits with
 * the state change. Workers claim rows with `FOR UPDATE SKIP LOCKED` and a lease
 * (`locked_until`); an expired lease makes the job claimable again.
 */
export const jobs = pgTable(
  "jobs",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    type: text("type").notNull(),
    videoId: uuid("video_id"),
    payload: jsonb("payload").notNull().default(sql`'{}'::jsonb`),
    state: text("state", { enum: JOB_STATES }).notNull().default("queued"),
    /** Higher runs first among due jobs (shared/jobs/job-types.ts). */
    priority: integer("priority").notNull().default(0),
    /** `type:video` for types allowing one active job per video; unique while queued or running. */
    activeKey: text("active_key"),
    attempts: integer("attempts").notNull().default(0),
    runAt: timestamp("run_at", { withTimezone: true }).notNull().defaultNow(),
    lockedBy: text("locked_by"),
    lockedUntil: timestamp("locked_until", { withTimezone: true }),
    lastError: text("last_error"),
    /** ffmpeg's stderr tail of the last failed attempt, when the error carried one. */
    stderrTail: text("stderr_tail"),
    /** When the current (or last) attempt started and when the job settled. */
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    /** An admin asked to cancel it while running: its runner stops at the next heartbeat. */
    cancelRequestedAt: timestamp("cancel_requested_at", { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("jobs_claim_idx").on(t.runAt).where(sql`${t.state} in ('queued', 'running')`),
    index("jobs_video_idx").on(t.videoId),
    uniqueIndex("jobs_active_key").on(t.activeKey).where(sql`${t.state} in ('queued', 'running')`),
    index("jobs_finished_idx").on(t.updatedAt).where(sql`${t.state} in ('done', 'failed', 'cancelled')`),
  ],
);

/**
 * The tus upload cache (@tus/s3-store's KvStore) shared by every farm node, so any node can
 * continue any upload. Values are the store's own JSON.
 */
export const tusUploads = pgTable("tus_uploads", {
  key: text("key").primaryKey(),
  value: jsonb("value").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/** One rung of a video's adaptive ladder, as written in its DASH manifest. */
export const renditions = pgTable(
  "renditions",
  {
    videoId: uuid("video_id")
      .notNull()
      .references(() => videos.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ["video", "audio"] }).notNull(),
    representationId: text("representation_id").notNull(),
    width: integer("width"),
    height: integer("height"),
    bandwidth: integer("bandwidth").notNull(),
    codecs: text("codecs").notNull(),
  },
  (t) => [uniqueIndex("renditions_video_rep_key").on(t.videoId, t.representationId)],
);

export const SUBTITLE_KINDS = ["subtitles", "captions"] as const;
/** `auto`: generated from the video's speech (Amazon Transcribe, farm/src/subtitles/transcribe-job.ts). */
export const SUBTITLE_ORIGINS = ["embedded", "uploaded", "machine", "auto"] as const;
export const SUBTITLE_STATUSES = ["pending", "ready", "failed", "unsupported"] as const;

/**
 * A subtitle track of a video: extracted from the upload, uploaded as a file, or machine
 * translated from another track. Its cues (below) are the truth: the published `.vtt` files
 * are made from them, search indexes them, edits change them. One track per (video,
 * language, origin): re-extracting or re-uploading replaces it.
 */
export const subtitleTracks = pgTable(
  "subtitle_tracks",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    videoId: uuid("video_id")
      .notNull()
      .references(() => videos.id, { onDelete: "cascade" }),
    /** BCP 47 (`en`, `pt-BR`); null when the source did not say. */
    language: text("language"),
    label: text("label").notNull(),
    kind: text("kind", { enum: SUBTITLE_KINDS }).notNull().default("subtitles"),
    origin: text("origin", { enum: SUBTITLE_ORIGINS }).notNull(),
    /** The track a machine translation was made from. */
    sourceTrackId: uuid("source_track_id"),
    status: text("status", { enum: SUBTITLE_STATUSES }).notNull().default("pending"),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    isDefault: boolean("is_default").notNull().default(false),
    isForced: boolean("is_forced").notNull().default(false),
    cueCount: integer("cue_count").notNull().default(0),
    /** Embedded tracks: the source stream's index and codec (e.g. `subrip`, `hdmv_pgs_subtitle`). */
    streamIndex: integer("stream_index"),
    codec: text("codec"),
    /**
     * Auto tracks: when a person last edited the cues. An edited track counts as reviewed: a
     * later transcription never overwrites it.
     */
    editedAt: timestamp("edited_at", { withTimezone: true }),
    /** Auto tracks: the provider's transcription job while one runs (so deleting can cancel it). */
    providerJob: text("provider_job"),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("subtitle_tracks_video_lang_origin_key").on(t.videoId, t.language, t.origin),
    check("subtitle_tracks_kind_check", sql`${t.kind} in ('subtitles','captions')`),
    check("subtitle_tracks_origin_check", sql`${t.origin} in ('embedded','uploaded','machine','auto')`),
    check("subtitle_tracks_status_check", sql`${t.status} in ('pending','ready','failed','unsupported')`),
  ],
);

/** One cue of a track: times in milliseconds and its text (WebVTT cue text: `<i>`, `<b>`, line breaks). */
export const subtitleCues = pgTable(
  "subtitle_cues",
  {
    trackId: uuid("track_id")
      .notNull()
      .references(() => subtitleTracks.id, { onDelete: "cascade" }),
    idx: integer("idx").notNull(),
    startMs: integer("start_ms").notNull(),
    endMs: integer("end_ms").notNull(),
    text: text("text").notNull(),
    searchConfig: searchConfig(),
    /** The cue's words: stemmed at weight A, as written (for prefixes, stop words left out) at weight C. */
    tsv: tsvector("tsv"),
  },
  (t) => [
    primaryKey({ columns: [t.trackId, t.idx] }),
    check("subtitle_cues_times_check", sql`${t.startMs} >= 0 and ${t.endMs} >= ${t.startMs}`),
  ],
);

/**
 * The words of up to 64 consecutive cues of a track (cue `idx` / 64 is the block), each word
 * at the position of the cue that holds it (`idx % 64 + 1`). Search finds the cues holding
 * all of a query's words (the tsquery `<0>`, "at the same position") with one index probe
 * over these ~n/50 rows instead of the cues themselves, and reads cues only for the page it
 * returns. Weights: A a stemmed word, C a word as written, B both (it is its own stem). A
 * word may have at most 256 positions in a tsvector; a block has 64, so nothing is lost.
 * Kept by statement triggers on subtitle_cues (migrations/0008_search_cue_blocks.sql, 0009).
 */
export const subtitleCueBlocks = pgTable(
  "subtitle_cue_blocks",
  {
    trackId: uuid("track_id")
      .notNull()
      .references(() => subtitleTracks.id, { onDelete: "cascade" }),
    block: integer("block").notNull(),
    videoId: uuid("video_id").notNull(),
    /** The track's language and whether it is ready, copied here so search reads one table. */
    trackLanguage: text("track_language"),
    trackReady: boolean("track_ready").notNull(),
    searchConfig: searchConfig(),
    words: tsvector("words").notNull(),
    /**
     * Each cue's consecutive stemmed words as pairs ("storm harbour"), at the cue's position:
     * a phrase's pairs find the few blocks that may hold it where its words alone are common.
     */
    pairs: tsvector("pairs").notNull().default(sql`''::tsvector`),
  },
  (t) => [
    primaryKey({ columns: [t.trackId, t.block] }),
    index("subtitle_cue_blocks_words_idx").using("gin", t.words),
    index("subtitle_cue_blocks_pairs_idx").using("gin", t.pairs),
    index("subtitle_cue_blocks_video_idx").on(t.videoId),
    // Which configurations are in use (search reads them off this, see search-sql.ts).
    index("subtitle_cue_blocks_config_idx").on(t.searchConfig),
  ],
);

/**
 * Characters each user sent to machine translation, per calendar month (UTC; `month` is its
 * first day). A ledger, not a sum over tracks: deleting a video, a track or a translation
 * gives nothing back, so TRANSLATE_MONTHLY_CHARS caps what a month costs. The farm reserves
 * characters here before sending them (a conditional upsert) and trues the count up after.
 */
export const translationUsage = pgTable(
  "translation_usage",
  {
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    month: date("month").notNull(),
    chars: bigint("chars", { mode: "number" }).notNull().default(0),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.month] }),
    check("translation_usage_chars_check", sql`${t.chars} >= 0`),
  ],
);

/**
 * Seconds of audio each user sent to speech recognition, per calendar month (UTC; `month` is
 * its first day): TRANSCRIBE_MONTHLY_MINUTES caps it. A ledger like translation_usage:
 * deleting gives nothing back. The farm reserves a video's duration here before starting.
 */
export const transcriptionUsage = pgTable(
  "transcription_usage",
  {
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    month: date("month").notNull(),
    seconds: bigint("seconds", { mode: "number" }).notNull().default(0),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.month] }),
    check("transcription_usage_seconds_check", sql`${t.seconds} >= 0`),
  ],
);

/**
 * Every word (lower case, accents removed) in titles, descriptions and cues: search looks up
 * words close to a mistyped one here (pg_trgm), then searches for those. Only words of
 * public, ready content go in (migrations/0012): which words are here must tell nothing about
 * private videos. Triggers add words; the farm's maintenance removes those no public document
 * holds any more (farm/src/search/search-words-prune.ts). No unique key on purpose:
 * concurrent writers inserting the same new word would wait on (or deadlock over) each
 * other's uncommitted rows; a rare duplicate costs nothing (the prune folds them). The
 * trigram index is created in migrations/0005_search.sql, after the pg_trgm extension.
 */
export const searchWords = pgTable("search_words", { word: text("word").notNull() }, (t) => [
  index("search_words_word_idx").on(t.word),
]);

/**
 * Words whose last public holder may just have gone (a video made private, unready or
 * deleted; a ready track deleted or re-done): queued by triggers in the same transaction, so
 * the next maintenance pass checks them first instead of waiting for its walk over the whole
 * vocabulary to reach them. No key: a word queued twice is checked once per batch.
 */
export const searchWordChecks = pgTable("search_word_checks", { word: text("word").notNull() });

/**
 * One row per attempt of a job (the jobs console shows them): which node ran it, when, and
 * how it ended — `done`, `retry` (failed, queued again), `failed`, `cancelled`, `released`
 * (handed back at shutdown) or `lost` (its lease lapsed and another node took the job).
 */
export const jobAttempts = pgTable(
  "job_attempts",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    jobId: bigint("job_id", { mode: "number" })
      .notNull()
      .references(() => jobs.id, { onDelete: "cascade" }),
    attempt: integer("attempt").notNull(),
    node: text("node").notNull(),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    outcome: text("outcome"),
    error: text("error"),
    stderrTail: text("stderr_tail"),
  },
  (t) => [index("job_attempts_job_idx").on(t.jobId, t.id)],
);

/**
 * Source each user had accepted for processing: one row per transcode, charged by the farm
 * once the probe knows the duration (a retried job is charged once: `job_id` is unique). A
 * ledger, not a sum over videos: deleting a video gives nothing back, so
 * PROCESSING_MINUTES_PER_DAY caps any rolling 24 hours.
 */
export const processingUsage = pgTable(
  "processing_usage",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** No foreign key: the charge outlives whatever happens to the video. */
    videoId: uuid("video_id").notNull(),
    jobId: bigint("job_id", { mode: "number" }).notNull(),
    sourceMs: bigint("source_ms", { mode: "number" }).notNull(),
    chargedAt: timestamp("charged_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("processing_usage_job_key").on(t.jobId),
    index("processing_usage_user_idx").on(t.userId, t.chargedAt),
  ],
);

/** Farm nodes and their heartbeat (every FARM_HEARTBEAT_MS); running jobs are in `jobs.locked_by`. */
export const farmNodes = pgTable("farm_nodes", {
  nodeId: text("node_id").primaryKey(),
  host: text("host").notNull(),
  pid: integer("pid").notNull(),
  /** Whether the node runs job workers (FARM_WORKERS) or only serves uploads. */
  workers: boolean("workers").notNull(),
  startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
  lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull().defaultNow(),
  /** Set by a clean shutdown; a node that vanished without one just stops being seen. */
  stoppedAt: timestamp("stopped_at", { withTimezone: true }),
});

/** What admins did in the jobs console (who, what, when, which job or video). */
export const adminActions = pgTable(
  "admin_actions",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    actorId: uuid("actor_id").references(() => users.id, { onDelete: "set null" }),
    actorEmail: text("actor_email").notNull(),
    action: text("action").notNull(),
    jobId: bigint("job_id", { mode: "number" }),
    videoId: uuid("video_id"),
    detail: jsonb("detail").notNull().default(sql`'{}'::jsonb`),
    createdAt: createdAt(),
  },
  (t) => [
    index("admin_actions_created_idx").on(t.createdAt.desc(), t.id.desc()),
    index("admin_actions_job_idx").on(t.jobId),
  ],
);

/**
 * A user's webhook endpoint. The secret signs every delivery (Standard Webhooks); after a
 * rotation the previous one still signs beside it until `previous_secret_expires_at`, so
 * receivers can switch without losing messages. `failing_since` is the start of the current
 * run of failures; an endpoint failing for 24 hours is disabled (`disabled_at`).
 */
export const webhookEndpoints = pgTable(
  "webhook_endpoints",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    events: text("events").array().notNull(),
    description: text("description").notNull().default(""),
    secret: text("secret").notNull(),
    previousSecret: text("previous_secret"),
    previousSecretExpiresAt: timestamp("previous_secret_expires_at", { withTimezone: true }),
    failingSince: timestamp("failing_since", { withTimezone: true }),
    disabledAt: timestamp("disabled_at", { withTimezone: true }),
    disabledReason: text("disabled_reason"),
    lastSuccessAt: timestamp("last_success_at", { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("webhook_endpoints_user_idx").on(t.userId, t.createdAt)],
);

/**
 * One message to one endpoint. `message_id` is the `webhook-id` header: the same on every
 * retry and redelivery, so receivers can drop duplicates. `body` is the exact JSON signed.
 */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    endpointId: uuid("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    messageId: text("message_id").notNull(),
    event: text("event").notNull(),
    videoId: uuid("video_id"),
    body: text("body").notNull(),
    state: text("state", { enum: ["pending", "succeeded", "failed"] })
      .notNull()
      .default("pending"),
    attempts: integer("attempts").notNull().default(0),
    /** Retries stop after this (24 hours from the event, or from a redelivery request). */
    retryUntil: timestamp("retry_until", { withTimezone: true }).notNull(),
    lastAttemptAt: timestamp("last_attempt_at", { withTimezone: true }),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    index("webhook_deliveries_endpoint_idx").on(t.endpointId, t.createdAt.desc(), t.id.desc()),
    index("webhook_deliveries_created_idx").on(t.createdAt),
  ],
);

/** Every HTTP attempt of a delivery: status or network error, time taken, the response's start. */
export const webhookAttempts = pgTable(
  "webhook_attempts",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    deliveryId: uuid("delivery_id")
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: "cascade" }),
    attemptedAt: timestamp("attempted_at", { withTimezone: true }).notNull().defaultNow(),
    durationMs: integer("duration_ms").notNull(),
    statusCode: integer("status_code"),
    succeeded: boolean("succeeded").notNull(),
    error: text("error"),
    /** The first KiB of the response body (at most 64 KiB are ever read). */
    responseBody: text("response_body"),
  },
  (t) => [index("webhook_attempts_delivery_idx").on(t.deliveryId, t.id)],
);

/**
 * Chunked transcoding (farm/src/transcode/): one row per attempt to encode a long video across
 * nodes. `plan` is the farm's own record of the ladder and the chunks (farm/src/transcode/chunk-plan.ts);
 * the output goes under `prefix` as a single-node transcode's would.
 */
export const transcodeRuns = pgTable(
  "transcode_runs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    videoId: uuid("video_id")
      .notNull()
      .references(() => videos.id, { onDelete: "cascade" }),
    prefix: text("prefix").notNull(),
    plan: jsonb("plan").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("transcode_runs_video_idx").on(t.videoId)],
);

/**
 * The pieces of work a run waits for (`audio`, `extras`, `first:3`, `rest:3`, `playable`):
 * each is marked done in its job's fenced completion, under the run's row lock, and the one
 * that completes a stage queues that stage's assembly. (Which node ran each and for how long
 * is in job_attempts, like every job's.)
 */
export const transcodeUnits = pgTable(
  "transcode_units",
  {
    runId: uuid("run_id")
      .notNull()
      .references(() => transcodeRuns.id, { onDelete: "cascade" }),
    unit: text("unit").notNull(),
    doneAt: timestamp("done_at", { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.runId, t.unit] })],
);
