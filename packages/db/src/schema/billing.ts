/** @module Local mirror of Stripe subscriptions and invoices, the Stripe webhook inbox, notifications. */
import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { timestamps, timestamptz } from "./_columns.js";
import { tenants } from "./tenancy.js";

export const subscriptions = pgTable(
  "subscriptions",
  {
    tenantId: text()
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    stripeSubscriptionId: text().notNull(),
    stripeCustomerId: text().notNull(),
    /** Stripe's own values: trialing, active, past_due, unpaid, canceled, incomplete, ... */
    status: text().notNull(),
    plan: text().notNull(),
    interval: text().$type<"month" | "year">().notNull(),
    priceIds: text().array().notNull().default(sql`'{}'::text[]`),
    quantity: integer().notNull().default(1),
    currentPeriodStart: timestamptz(),
    currentPeriodEnd: timestamptz(),
    cancelAtPeriodEnd: boolean().notNull().default(false),
    cancelAt: timestamptz(),
    canceledAt: timestamptz(),
    trialEnd: timestamptz(),
    /** A change scheduled for the end of the period (downgrade), as Stripe's schedule says. */
    scheduledPlan: text(),
    scheduledInterval: text().$type<"month" | "year">(),
    scheduledAt: timestamptz(),
    syncedAt: timestamptz().notNull().defaultNow(),
    ...timestamps,
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.stripeSubscriptionId] }),
    uniqueIndex("subscriptions_stripe_subscription_id_key").on(t.stripeSubscriptionId),
  ],
);

/**
 * Subscription status changes as the syncs saw them: one row whenever a synced status differs from
 * the stored one (or the subscription is new). An unchanged status adds nothing, so repeated syncs
 * and duplicate webhooks leave no trace.
 */
export const subscriptionTransitions = pgTable(
  "subscription_transitions",
  {
    id: text().primaryKey(),
    tenantId: text()
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    stripeSubscriptionId: text().notNull(),
    /** Null when the sync first saw the subscription. */
    fromStatus: text(),
    toStatus: text().notNull(),
    plan: text(),
    /** The time of the sync that saw the change. */
    at: timestamptz().notNull(),
  },
  (t) => [index("subscription_transitions_tenant_at_idx").on(t.tenantId, t.at)],
);

export const invoices = pgTable(
  "invoices",
  {
    tenantId: text()
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    stripeInvoiceId: text().notNull(),
    stripeSubscriptionId: text(),
    number: text(),
    status: text().notNull(),
    /** Minor units of `currency`. */
    amountDue: bigint({ mode: "number" }).notNull(),
    amountPaid: bigint({ mode: "number" }).notNull().default(0),
    currency: text().notNull(),
    periodStart: timestamptz(),
    periodEnd: timestamptz(),
    hostedInvoiceUrl: text(),
    invoicePdf: text(),
    stripeCreatedAt: timestamptz().notNull(),
    syncedAt: timestamptz().notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.stripeInvoiceId] }),
    uniqueIndex("invoices_stripe_invoice_id_key").on(t.stripeInvoiceId),
    index("invoices_tenant_created_idx").on(t.tenantId, t.stripeCreatedAt),
  ],
);

export const WEBHOOK_EVENT_STATUSES = ["pending", "processing", "processed", "failed", "dead"] as const;
export type WebhookEventStatus = (typeof WEBHOOK_EVENT_STATUSES)[number];

/** The durable inbox of Stripe events: inserted by intake, drained by workers with SKIP LOCKED. */
export const stripeWebhookEvents = pgTable(
  "stripe_webhook_events",
  {
    id: text().primaryKey(),
    type: text().notNull(),
    /** Stripe's `created`, not ours. */
    created: timestamptz().notNull(),
    livemode: boolean().notNull().default(false),
    stripeCustomerId: text(),
    payload: jsonb().$type<Record<string, unknown>>().notNull(),
    receivedAt: timestamptz().notNull().defaultNow(),
    status: text().$type<WebhookEventStatus>().notNull().default("pending"),
    attempts: integer().notNull().default(0),
    nextAttemptAt: timestamptz().notNull().defaultNow(),
    lockedUntil: timestamptz(),
    lockedBy: text(),
    lastError: text(),
    processedAt: timestamptz(),
  },
  (t) => [
    index("stripe_webhook_events_due_idx").on(t.status, t.nextAttemptAt),
    index("stripe_webhook_events_type_idx").on(t.type, t.receivedAt),
    // The admin list, newest first with a (received_at, id) cursor (a backward scan), optionally by status.
    index("stripe_webhook_events_received_idx").on(t.receivedAt, t.id),
    index("stripe_webhook_events_status_received_idx").on(t.status, t.receivedAt, t.id),
    // Retention: processed rows older than the retention period, oldest first.
    index("stripe_webhook_events_processed_idx").on(t.processedAt).where(sql`${t.status} = 'processed'`),
    check(
      "stripe_webhook_events_status_check",
      sql`${t.status} in ('pending', 'processing', 'processed', 'failed', 'dead')`,
    ),
  ],
);

/** Outbox of messages to tenants; a sender port delivers them and sets sent_at. */
export const notifications = pgTable(
  "notifications",
  {
    tenantId: text()
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    id: text().notNull(),
    kind: text().notNull(),
    /** Makes a notification happen once per cause (e.g. the Stripe invoice id), however often it is retried. */
    dedupeKey: text().notNull(),
    payload: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamptz().notNull().defaultNow(),
    attempts: integer().notNull().default(0),
    lastError: text(),
    sentAt: timestamptz(),
    /** pending (waiting or retrying), sending (claimed), sent, skipped (obsolete when sent: e.g. the invoice got paid), dead. */
    status: text().notNull().default("pending"),
    nextAttemptAt: timestamptz().notNull().defaultNow(),
    /** The claim's lease: a drainer that died mid-send loses its rows to another once it expires. */
    lockedUntil: timestamptz(),
    lockedBy: text(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex("notifications_dedupe_key").on(t.tenantId, t.dedupeKey),
    index("notifications_unsent_idx").on(t.sentAt, t.createdAt),
    index("notifications_due_idx").on(t.status, t.nextAttemptAt),
    check(
      "notifications_status_check",
      sql`${t.status} in ('pending', 'sending', 'sent', 'skipped', 'dead')`,
    ),
  ],
);
