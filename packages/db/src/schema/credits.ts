/** @module Prepaid credits: one append-only ledger of grants, consumptions and expirations per tenant. */
import { sql } from "drizzle-orm";
import { bigint, check, index, integer, pgTable, primaryKey, text, uniqueIndex } from "drizzle-orm/pg-core";
import { timestamptz } from "./_columns.js";
import { tenants } from "./tenancy.js";

/** What a ledger row records. */
export const CREDIT_ENTRY_KINDS = ["grant", "consumption", "expiration"] as const;
export type CreditEntryKind = (typeof CREDIT_ENTRY_KINDS)[number];

/**
 * Every movement of a tenant's credits, never updated nor deleted (a trigger refuses both, see
 * migration 0005): the balance is always derived from these rows. A grant row carries the grant's
 * terms; consumption and expiration rows name the grant they draw from (`grantId`). The tenant
 * reference restricts deletes: a tenant with a ledger is never hard-deleted, which would erase it.
 */
export const creditLedger = pgTable(
  "credit_ledger",
  {
    tenantId: text()
      .notNull()
      .references(() => tenants.id),
    /** `cre_...`. */
    id: text().notNull(),
    kind: text().$type<CreditEntryKind>().notNull(),
    /** The grant drawn from; a grant row names itself. */
    grantId: text().notNull(),
    /** Always positive, in minor units of `currency`; the kind says which way it moves the balance. */
    amount: bigint({ mode: "number" }).notNull(),
    currency: text().notNull(),
    /**
     * What caused the row, unique per grant and kind: the grant key (a top-up's Idempotency-Key), the
     * consumption's origin (`overage:<meter>:<period start>:<seq>`), or `expiry`. Re-running the same
     * cause appends nothing.
     */
    source: text().notNull(),
    /** Grants only: lower is consumed first. */
    priority: integer(),
    /** Grants only: after this instant the rest of the grant expires. */
    expiresAt: timestamptz(),
    reason: text(),
    /** When the movement took effect (the caller's clock; an expiration's is the grant's expiry). */
    at: timestamptz().notNull(),
    createdAt: timestamptz().notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex("credit_ledger_tenant_kind_grant_source_key").on(t.tenantId, t.kind, t.grantId, t.source),
    uniqueIndex("credit_ledger_tenant_grant_key").on(t.tenantId, t.source).where(sql`kind = 'grant'`),
    index("credit_ledger_tenant_at_idx").on(t.tenantId, t.at, t.id),
    check("credit_ledger_amount_check", sql`${t.amount} > 0`),
    check("credit_ledger_kind_check", sql`${t.kind} in ('grant', 'consumption', 'expiration')`),
  ],
);
