/** @module Ordering of Stripe snapshots: which read of a tenant's billing state was written last. */
import { bigint, pgSequence, pgTable, text } from "drizzle-orm/pg-core";
import { timestamptz } from "./_columns.js";
import { tenants } from "./tenancy.js";

/**
 * Tickets for Stripe reads: a sync takes one before it reads Stripe. `nextval` is never rolled
 * back and never handed out twice, so a higher ticket always belongs to a read that started later,
 * whichever node took it and whatever the nodes' clocks say.
 */
export const billingSyncSeq = pgSequence("billing_sync_seq");

/** Per tenant: the ticket of the Stripe snapshot its subscriptions, invoices and plan were last written from. */
export const billingSyncState = pgTable("billing_sync_state", {
  tenantId: text()
    .primaryKey()
    .references(() => tenants.id, { onDelete: "cascade" }),
  /** A snapshot with a lower ticket is older than the stored one and is not written. */
  snapshotSeq: bigint({ mode: "number" }).notNull(),
  /** When the stored snapshot's Stripe read started. */
  snapshotStartedAt: timestamptz().notNull(),
  writtenAt: timestamptz().notNull().defaultNow(),
});
