CREATE TABLE "translation_usage" (
	"user_id" uuid NOT NULL,
	"month" date NOT NULL,
	"chars" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "translation_usage_user_id_month_pk" PRIMARY KEY("user_id","month"),
	CONSTRAINT "translation_usage_chars_check" CHECK ("translation_usage"."chars" >= 0)
);
--> statement-breakpoint
ALTER TABLE "translation_usage" ADD CONSTRAINT "translation_usage_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;