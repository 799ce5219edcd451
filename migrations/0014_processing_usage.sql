CREATE TABLE "processing_usage" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"video_id" uuid NOT NULL,
	"job_id" bigint NOT NULL,
	"source_ms" bigint NOT NULL,
	"charged_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "processing_usage" ADD CONSTRAINT "processing_usage_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "processing_usage_job_key" ON "processing_usage" USING btree ("job_id");--> statement-breakpoint
CREATE INDEX "processing_usage_user_idx" ON "processing_usage" USING btree ("user_id","charged_at");