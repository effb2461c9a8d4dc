CREATE SEQUENCE "public"."billing_sync_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "billing_sync_state" (
	"tenant_id" text PRIMARY KEY NOT NULL,
	"snapshot_seq" bigint NOT NULL,
	"snapshot_started_at" timestamp (3) with time zone NOT NULL,
	"written_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tenant_plan_history" (
	"tenant_id" text NOT NULL,
	"effective_at" timestamp (3) with time zone NOT NULL,
	"plan" text NOT NULL,
	"previous_plan" text NOT NULL,
	CONSTRAINT "tenant_plan_history_tenant_id_effective_at_pk" PRIMARY KEY("tenant_id","effective_at")
);
--> statement-breakpoint
ALTER TABLE "usage_reports" DROP CONSTRAINT "usage_reports_tenant_id_meter_period_start_pk";--> statement-breakpoint
ALTER TABLE "usage_reports" ADD COLUMN "seq" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "usage_reports" ADD COLUMN "attempted_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "billing_sync_state" ADD CONSTRAINT "billing_sync_state_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenant_plan_history" ADD CONSTRAINT "tenant_plan_history_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "stripe_webhook_events_received_idx" ON "stripe_webhook_events" USING btree ("received_at","id");--> statement-breakpoint
CREATE INDEX "stripe_webhook_events_status_received_idx" ON "stripe_webhook_events" USING btree ("status","received_at","id");--> statement-breakpoint
CREATE INDEX "stripe_webhook_events_processed_idx" ON "stripe_webhook_events" USING btree ("processed_at") WHERE "stripe_webhook_events"."status" = 'processed';--> statement-breakpoint
CREATE UNIQUE INDEX "usage_reports_tenant_meter_period_seq_key" ON "usage_reports" USING btree ("tenant_id","meter","period_start","seq");