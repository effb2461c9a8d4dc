/** @module Idempotency records: incoming requests and outgoing Stripe operations. */
import { sql } from "drizzle-orm";
import { check, index, integer, jsonb, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { bytea, timestamptz } from "./_columns.js";

export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    /** Who the key belongs to (tenant or API key): two callers never share a record. */
    scope: text().notNull(),
    key: text().notNull(),
    method: text().notNull(),
    path: text().notNull(),
    /** Hash of method, path and canonical body. */
    fingerprint: text().notNull(),
    state: text().$type<"in_progress" | "completed">().notNull(),
    /** Random token of the claim's holder: only it may complete or release the claim. */
    ownerToken: text().notNull(),
    lockedUntil: timestamptz(),
    responseStatus: integer(),
    responseHeaders: jsonb().$type<Record<string, string>>(),
    responseBody: bytea(),
    createdAt: timestamptz().notNull().defaultNow(),
    expiresAt: timestamptz().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.scope, t.key] }),
    index("idempotency_keys_expires_idx").on(t.expiresAt),
    check("idempotency_keys_state_check", sql`${t.state} in ('in_progress', 'completed')`),
  ],
);

/** Outgoing Stripe calls: the key is stored before the call, so a retry after a crash reuses it. */
export const stripeOperations = pgTable(
  "stripe_operations",
  {
    operation: text().notNull(),
    stableId: text().notNull(),
    idempotencyKey: text().notNull(),
    stripeResourceId: text(),
    state: text().$type<"pending" | "completed" | "failed">().notNull().default("pending"),
    lastError: text(),
    result: jsonb().$type<Record<string, unknown>>(),
    createdAt: timestamptz().notNull().defaultNow(),
    completedAt: timestamptz(),
  },
  (t) => [
    primaryKey({ columns: [t.operation, t.stableId] }),
    check("stripe_operations_state_check", sql`${t.state} in ('pending', 'completed', 'failed')`),
  ],
);
