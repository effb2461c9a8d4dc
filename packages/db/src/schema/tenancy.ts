/** @module Tenants, their API keys and the audit log. */
import { sql } from "drizzle-orm";
import { check, index, jsonb, pgTable, primaryKey, text, uniqueIndex } from "drizzle-orm/pg-core";
import { timestamps, timestamptz } from "./_columns.js";

export const TENANT_STATUSES = ["pending", "active", "suspended", "deleted"] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

export const tenants = pgTable(
  "tenants",
  {
    id: text().primaryKey(),
    slug: text().notNull(),
    name: text().notNull(),
    email: text().notNull(),
    status: text().$type<TenantStatus>().notNull().default("pending"),
    plan: text().notNull(),
    stripeCustomerId: text(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("tenants_slug_key").on(t.slug),
    uniqueIndex("tenants_stripe_customer_id_key").on(t.stripeCustomerId),
    index("tenants_status_idx").on(t.status, t.createdAt),
    check("tenants_status_check", sql`${t.status} in ('pending', 'active', 'suspended', 'deleted')`),
  ],
);

/**
 * Every change of a tenant's plan with the instant it took effect, so that a closed period is priced
 * with the plan in force during it rather than whatever the tenant is on when the period is reported.
 * `previousPlan` answers for instants before the first recorded change.
 */
export const tenantPlanHistory = pgTable(
  "tenant_plan_history",
  {
    tenantId: text()
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    effectiveAt: timestamptz().notNull(),
    plan: text().notNull(),
    previousPlan: text().notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.effectiveAt] })],
);

export const apiKeys = pgTable(
  "api_keys",
  {
    tenantId: text()
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    id: text().notNull(),
    name: text().notNull(),
    /** Shown to humans to tell keys apart; never enough to authenticate. */
    prefix: text().notNull(),
    /** SHA-256 of the secret, hex. The secret itself is shown once and never stored. */
    hash: text().notNull(),
    scopes: text().array().notNull().default(sql`'{}'::text[]`),
    createdAt: timestamptz().notNull().defaultNow(),
    lastUsedAt: timestamptz(),
    revokedAt: timestamptz(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), uniqueIndex("api_keys_hash_key").on(t.hash)],
);

export const auditLog = pgTable(
  "audit_log",
  {
    /** Null for platform-level actions that concern no single tenant. */
    tenantId: text(),
    id: text().primaryKey(),
    actor: text().notNull(),
    action: text().notNull(),
    target: text(),
    data: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    at: timestamptz().notNull().defaultNow(),
  },
  (t) => [index("audit_log_tenant_at_idx").on(t.tenantId, t.at)],
);

/**
 * The card-less trials granted at signup: one per tenant (primary key) and one per normalised email
 * (unique index), so of concurrent signups with the same email exactly one inserts its claim. A
 * signup that is compensated deletes its tenant row and with it the claim (cascade); a tenant that
 * is later suspended or marked deleted keeps it, so the email never gets a second trial.
 */
export const trialClaims = pgTable(
  "trial_claims",
  {
    tenantId: text()
      .primaryKey()
      .references(() => tenants.id, { onDelete: "cascade" }),
    /** Lower-case, trimmed, `+tag` removed from the local part (see `@org/signup`'s normaliseEmail). */
    email: text().notNull(),
    plan: text().notNull(),
    claimedAt: timestamptz().notNull().defaultNow(),
  },
  (t) => [uniqueIndex("trial_claims_email_key").on(t.email)],
);
