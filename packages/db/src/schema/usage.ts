/** @module Usage: raw events, additive minute buckets, and what was reported to Stripe. */
import { bigint, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from "drizzle-orm/pg-core";
import { timestamptz } from "./_columns.js";
import { tenants } from "./tenancy.js";

export const usageEvents = pgTable(
  "usage_events",
  {
    tenantId: text()
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    /** The caller's id: unique per tenant, which is what makes ingestion idempotent. */
    id: text().notNull(),
    meter: text().notNull(),
    quantity: bigint({ mode: "number" }).notNull(),
    timestamp: timestamptz().notNull(),
    properties: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    receivedAt: timestamptz().notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index("usage_events_meter_time_idx").on(t.tenantId, t.meter, t.timestamp),
  ],
);

/** Per-minute totals, only ever changed by additive upserts (value = value + excluded.value). */
export const usageBuckets = pgTable(
  "usage_buckets",
  {
    tenantId: text().notNull(),
    meter: text().notNull(),
    bucketStart: timestamptz().notNull(),
    value: bigint({ mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.meter, t.bucketStart] })],
);

/**
 * Ledger of applied counter flushes: each flush inserts its id in the same statement as its bucket
 * upserts, so a retry after an ambiguous failure (connection lost during commit) finds the id and
 * is known to be applied instead of adding the counts twice. Rows older than a day are pruned.
 */
export const usageFlushes = pgTable(
  "usage_flushes",
  {
    id: text().primaryKey(),
    flushedAt: timestamptz().notNull().defaultNow(),
  },
  (t) => [index("usage_flushes_flushed_at_idx").on(t.flushedAt)],
);

export const usageReports = pgTable(
  "usage_reports",
  {
    tenantId: text()
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    meter: text().notNull(),
    periodStart: timestamptz().notNull(),
    periodEnd: timestamptz().notNull(),
    /**
     * 0 for the period's first report; each later one carries only the overage that late events
     * added since (a delta), under its own identifier, so Stripe's sum is the period's total.
     */
    seq: integer().notNull().default(0),
    quantity: bigint({ mode: "number" }).notNull(),
    /** Minor units. */
    amount: bigint({ mode: "number" }).notNull().default(0),
    currency: text().notNull().default("usd"),
    /** The identifier sent with the Stripe meter event: Stripe dedupes on it. */
    stripeIdentifier: text().notNull(),
    state: text().$type<"pending" | "reported">().notNull().default("pending"),
    createdAt: timestamptz().notNull().defaultNow(),
    /**
     * Start of the 24 h in which Stripe remembers this report's identifier (its first send since the
     * last reconciliation); null for rows older than this column: `createdAt` then.
     */
    attemptedAt: timestamptz(),
    reportedAt: timestamptz(),
  },
  (t) => [
    // A unique key rather than a primary key: drizzle-kit orders a primary key that names a new
    // column before the column's ADD, which Postgres refuses. Every column in it is NOT NULL.
    uniqueIndex("usage_reports_tenant_meter_period_seq_key").on(t.tenantId, t.meter, t.periodStart, t.seq),
    uniqueIndex("usage_reports_stripe_identifier_key").on(t.stripeIdentifier),
  ],
);
