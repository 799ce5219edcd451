CREATE TABLE "subtitle_cues" (
	"track_id" uuid NOT NULL,
	"idx" integer NOT NULL,
	"start_ms" integer NOT NULL,
	"end_ms" integer NOT NULL,
	"text" text NOT NULL,
	CONSTRAINT "subtitle_cues_track_id_idx_pk" PRIMARY KEY("track_id","idx"),
	CONSTRAINT "subtitle_cues_times_check" CHECK ("subtitle_cues"."start_ms" >= 0 and "subtitle_cues"."end_ms" >= "subtitle_cues"."start_ms")
);
--> statement-breakpoint
CREATE TABLE "subtitle_tracks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"video_id" uuid NOT NULL,
	"language" text,
	"label" text NOT NULL,
	"kind" text DEFAULT 'subtitles' NOT NULL,
	"origin" text NOT NULL,
	"source_track_id" uuid,
	"status" text DEFAULT 'pending' NOT NULL,
	"error_code" text,
	"error_message" text,
	"is_default" boolean DEFAULT false NOT NULL,
	"is_forced" boolean DEFAULT false NOT NULL,
	"cue_count" integer DEFAULT 0 NOT NULL,
	"stream_index" integer,
	"codec" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "subtitle_tracks_kind_check" CHECK ("subtitle_tracks"."kind" in ('subtitles','captions')),
	CONSTRAINT "subtitle_tracks_origin_check" CHECK ("subtitle_tracks"."origin" in ('embedded','uploaded','machine')),
	CONSTRAINT "subtitle_tracks_status_check" CHECK ("subtitle_tracks"."status" in ('pending','ready','failed','unsupported'))
);
--> statement-breakpoint
ALTER TABLE "videos" ADD COLUMN "translated_chars" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "videos" ADD COLUMN "subtitles_version" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "subtitle_cues" ADD CONSTRAINT "subtitle_cues_track_id_subtitle_tracks_id_fk" FOREIGN KEY ("track_id") REFERENCES "public"."subtitle_tracks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subtitle_tracks" ADD CONSTRAINT "subtitle_tracks_video_id_videos_id_fk" FOREIGN KEY ("video_id") REFERENCES "public"."videos"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "subtitle_tracks_video_lang_origin_key" ON "subtitle_tracks" USING btree ("video_id","language","origin");