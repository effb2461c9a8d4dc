CREATE TABLE "credit_ledger" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"kind" text NOT NULL,
	"grant_id" text NOT NULL,
	"amount" bigint NOT NULL,
	"currency" text NOT NULL,
	"source" text NOT NULL,
	"priority" integer,
	"expires_at" timestamp (3) with time zone,
	"reason" text,
	"at" timestamp (3) with time zone NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "credit_ledger_tenant_id_id_pk" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "credit_ledger_amount_check" CHECK ("credit_ledger"."amount" > 0),
	CONSTRAINT "credit_ledger_kind_check" CHECK ("credit_ledger"."kind" in ('grant', 'consumption', 'expiration'))
);
--> statement-breakpoint
ALTER TABLE "credit_ledger" ADD CONSTRAINT "credit_ledger_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "credit_ledger_tenant_kind_grant_source_key" ON "credit_ledger" USING btree ("tenant_id","kind","grant_id","source");--> statement-breakpoint
CREATE UNIQUE INDEX "credit_ledger_tenant_grant_key" ON "credit_ledger" USING btree ("tenant_id","source") WHERE kind = 'grant';--> statement-breakpoint
CREATE INDEX "credit_ledger_tenant_at_idx" ON "credit_ledger" USING btree ("tenant_id","at","id");--> statement-breakpoint
-- Hand-added: the ledger is append-only. A correction is a new row, never an edit, so the balance can always be re-derived and audited.
CREATE FUNCTION "credit_ledger_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'credit_ledger is append-only: % is not allowed', TG_OP USING ERRCODE = 'restrict_violation';
END
$$;--> statement-breakpoint
CREATE TRIGGER "credit_ledger_no_update_or_delete" BEFORE UPDATE OR DELETE ON "credit_ledger" FOR EACH ROW EXECUTE FUNCTION "credit_ledger_append_only"();--> statement-breakpoint
CREATE TRIGGER "credit_ledger_no_truncate" BEFORE TRUNCATE ON "credit_ledger" FOR EACH STATEMENT EXECUTE FUNCTION "credit_ledger_append_only"();
