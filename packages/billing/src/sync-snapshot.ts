/** @module Reading a customer's billing state from Stripe, ticketed so that snapshots can be ordered. */
import { rows } from "@org/db";
import { sql } from "drizzle-orm";
import type Stripe from "stripe";
import { nowOf, type SyncDeps } from "./context.js";

/** The SDK's bound on auto-pagination; far above any one customer's subscriptions or invoices. */
const MAX_LISTED = 10_000;

/** What Stripe said about one customer, and when (in ticket order) we asked. */
export interface StripeSnapshot {
  customerId: string;
  /** From `billing_sync_seq`, taken before the read: a higher ticket is a read that started later. */
  ticket: number;
  startedAt: Date;
  subscriptions: Stripe.Subscription[];
  invoices: Stripe.Invoice[];
}

/**
 * Takes a ticket, then reads the customer's subscriptions and invoices from Stripe. Only the
 * ticket touches the database (one autocommit statement), so no connection is held while Stripe
 * answers, however slowly.
 *
 * @example
 * const snapshot = await readStripeSnapshot(deps, "cus_123");
 */
export async function readStripeSnapshot(deps: SyncDeps, customerId: string): Promise<StripeSnapshot> {
  const [row] = rows<{ ticket: string | number }>(
    await deps.db.execute(sql`select nextval('billing_sync_seq') as ticket`),
  );
  const ticket = Number(row?.ticket);
  const startedAt = nowOf(deps);
  // Every page (has_more), not only the first 100: a long-lived customer has more invoices than that.
  const [subscriptions, invoices] = await Promise.all([
    deps.stripe.subscriptions
      .list({
        customer: customerId,
        status: "all",
        limit: 100,
        expand: ["data.schedule", "data.latest_invoice"],
      })
      .autoPagingToArray({ limit: MAX_LISTED }),
    deps.stripe.invoices.list({ customer: customerId, limit: 100 }).autoPagingToArray({ limit: MAX_LISTED }),
  ]);
  return { customerId, ticket, startedAt, subscriptions, invoices };
}
