CREATE TABLE "usage_alert_settings" (
	"tenant_id" text PRIMARY KEY NOT NULL,
	"meters" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "usage_alerts_fired" (
	"tenant_id" text NOT NULL,
	"meter" text NOT NULL,
	"threshold" text NOT NULL,
	"period_start" timestamp (3) with time zone NOT NULL,
	"fired_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "usage_alerts_fired_tenant_id_meter_threshold_period_start_pk" PRIMARY KEY("tenant_id","meter","threshold","period_start")
);
--> statement-breakpoint
ALTER TABLE "usage_alert_settings" ADD CONSTRAINT "usage_alert_settings_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_alerts_fired" ADD CONSTRAINT "usage_alerts_fired_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;