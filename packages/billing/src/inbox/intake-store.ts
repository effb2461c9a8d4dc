/** @module Storing a verified Stripe event in the inbox, once, and waking idle workers. */
import { type Database, rows } from "@org/db";
import { sql } from "drizzle-orm";
import type Stripe from "stripe";
import { customerOfEvent } from "../webhooks/handlers.js";

/** The LISTEN/NOTIFY channel that wakes idle workers when an event arrives or is replayed. */
export const INBOX_CHANNEL = "stripe_webhook_events";

/** The fields of a Stripe event the inbox relies on; the rest is stored as it came. */
export interface IncomingEvent {
  id: string;
  type: string;
  created: number;
  livemode?: boolean;
  data?: { object?: { object?: string; id?: string; customer?: string | { id: string } | null } };
  [key: string]: unknown;
}

/**
 * Stores a verified event once. `ON CONFLICT DO NOTHING` makes Stripe's duplicate deliveries free;
 * the same statement notifies idle workers, only when the row is new.
 *
 * @returns whether the event was new
 * @example
 * const stored = await insertEvent(db, verified.event); // false for a duplicate delivery
 */
export async function insertEvent(db: Database, event: IncomingEvent): Promise<boolean> {
  const result = rows<{ id: string }>(
    await db.execute(sql`
      with inserted as (
        insert into stripe_webhook_events (id, type, created, livemode, stripe_customer_id, payload)
        values (${event.id}, ${event.type}, to_timestamp(${event.created}), ${event.livemode ?? false},
                ${customerOfEvent(event as unknown as Stripe.Event)}, ${JSON.stringify(event)}::jsonb)
        on conflict (id) do nothing
        returning id
      )
      select id, pg_notify(${INBOX_CHANNEL}, id) from inserted`),
  );
  return result.length > 0;
}
