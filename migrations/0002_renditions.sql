CREATE TABLE "renditions" (
	"video_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"representation_id" text NOT NULL,
	"width" integer,
	"height" integer,
	"bandwidth" integer NOT NULL,
	"codecs" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "videos" ADD COLUMN "media" jsonb;--> statement-breakpoint
ALTER TABLE "renditions" ADD CONSTRAINT "renditions_video_id_videos_id_fk" FOREIGN KEY ("video_id") REFERENCES "public"."videos"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "renditions_video_rep_key" ON "renditions" USING btree ("video_id","representation_id");