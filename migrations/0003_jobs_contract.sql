ALTER TABLE "jobs" ADD COLUMN "priority" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "active_key" text;--> statement-breakpoint
ALTER TABLE "videos" ADD COLUMN "upload_activity_at" timestamp with time zone;--> statement-breakpoint
-- Jobs queued before this migration get their key too (the newest per type and video).
UPDATE "jobs" SET "active_key" = "type" || ':' || "video_id" WHERE "id" IN (SELECT max("id") FROM "jobs" WHERE "state" in ('queued', 'running') AND "video_id" IS NOT NULL AND "type" in ('transcode', 'purge_video') GROUP BY "type", "video_id");--> statement-breakpoint
UPDATE "videos" SET "upload_activity_at" = "updated_at" WHERE "status" = 'uploading';--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_active_key" ON "jobs" USING btree ("active_key") WHERE "jobs"."state" in ('queued', 'running');--> statement-breakpoint
CREATE INDEX "jobs_finished_idx" ON "jobs" USING btree ("updated_at") WHERE "jobs"."state" in ('done', 'failed', 'cancelled');