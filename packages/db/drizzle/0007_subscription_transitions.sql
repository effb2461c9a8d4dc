CREATE TABLE "subscription_transitions" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"stripe_subscription_id" text NOT NULL,
	"from_status" text,
	"to_status" text NOT NULL,
	"plan" text,
	"at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "subscription_transitions" ADD CONSTRAINT "subscription_transitions_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "subscription_transitions_tenant_at_idx" ON "subscription_transitions" USING btree ("tenant_id","at");