CREATE TABLE "transcode_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"video_id" uuid NOT NULL,
	"prefix" text NOT NULL,
	"plan" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "transcode_units" (
	"run_id" uuid NOT NULL,
	"unit" text NOT NULL,
	"done_at" timestamp with time zone,
	CONSTRAINT "transcode_units_run_id_unit_pk" PRIMARY KEY("run_id","unit")
);
--> statement-breakpoint
ALTER TABLE "transcode_runs" ADD CONSTRAINT "transcode_runs_video_id_videos_id_fk" FOREIGN KEY ("video_id") REFERENCES "public"."videos"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transcode_units" ADD CONSTRAINT "transcode_units_run_id_transcode_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."transcode_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "transcode_runs_video_idx" ON "transcode_runs" USING btree ("video_id");