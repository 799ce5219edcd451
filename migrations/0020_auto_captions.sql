CREATE TABLE "transcription_usage" (
	"user_id" uuid NOT NULL,
	"month" date NOT NULL,
	"seconds" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "transcription_usage_user_id_month_pk" PRIMARY KEY("user_id","month"),
	CONSTRAINT "transcription_usage_seconds_check" CHECK ("transcription_usage"."seconds" >= 0)
);
--> statement-breakpoint
ALTER TABLE "subtitle_tracks" DROP CONSTRAINT "subtitle_tracks_origin_check";--> statement-breakpoint
ALTER TABLE "subtitle_tracks" ADD COLUMN "edited_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "subtitle_tracks" ADD COLUMN "provider_job" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "auto_captions" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "videos" ADD COLUMN "auto_captions" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "transcription_usage" ADD CONSTRAINT "transcription_usage_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subtitle_tracks" ADD CONSTRAINT "subtitle_tracks_origin_check" CHECK ("subtitle_tracks"."origin" in ('embedded','uploaded','machine','auto'));