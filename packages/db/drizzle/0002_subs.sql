CREATE SEQUENCE "public"."billing_sync_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "billing_sync_state" (
	"tenant_id" text PRIMARY KEY NOT NULL,
	"snapshot_seq" bigint NOT NULL,
	"snapshot_started_at" timestamp (3) with time zone NOT NULL,
	"written_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "billing_sync_state" ADD CONSTRAINT "billing_sync_state_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;