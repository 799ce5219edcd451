/**
 * The database schema: the single source of truth for edge and farm. migrations/ is
 * generated from this file by `npm run db:generate` (drizzle-kit); never edit a landed
 * migration, change this file and generate a new one.
 */
import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  check,
  index,
  integer,
  jsonb,
  pgTable,
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
}

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
    /** What the farm published under storage_prefix: manifests, poster, storyboard. */
    media: jsonb("media").$type<PublishedMedia>(),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    /** Last time upload bytes arrived: unfinished uploads expire UPLOAD_EXPIRY_S after it. */
    uploadActivityAt: timestamp("upload_activity_at", { withTimezone: true }),
    readyAt: timestamp("ready_at", { withTimezone: true }),
    deletedAt: timestamp("deleted_at", { withTimezone: true }),
  },
  (t) => [
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
