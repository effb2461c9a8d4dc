/** @module One round of the inbox worker: claim a batch of due events and settle them in order, holding their claims. */
import type { Database } from "@org/db";
import type { BillingLogger } from "../context.js";
import { claimDue, type InboxRow, renewClaims } from "./claims.js";

/** What a round needs from its worker. */
export interface BatchContext {
  db: Database;
  workerId: string;
  batchSize: number;
  lockMs: number;
  log: BillingLogger;
  /** The clock claims are measured on; undefined for the database's own. */
  clock?: () => Date;
}

/**
 * Claims up to `batchSize` due events and settles them one at a time; returns how many were claimed.
 * One at a time: events of one customer then apply in `created` order, and parallelism comes from
 * running more workers.
 */
export async function runClaimedBatch(
  ctx: BatchContext,
  settle: (row: InboxRow) => Promise<void>,
): Promise<number> {
  const { db, workerId, lockMs, log } = ctx;
  const batch = await claimDue(db, { workerId, limit: ctx.batchSize, lockMs, ...claimClock(ctx) });
  // A batch can take longer than one claim (a slow Stripe): the rows not yet settled are renewed
  // every third of the lock, and each row is renewed again right before it runs, so a row whose
  // claim lapsed and was taken over by another worker is skipped here instead of run twice.
  const remaining = new Set(batch.map((row) => row.id));
  const renew = () => renewClaims(db, { workerId, ids: [...remaining], lockMs, ...claimClock(ctx) });
  const heartbeat = setInterval(
    () => void renew().catch((error) => log.error({ workerId, err: error }, "webhook.renew_failed")),
    Math.max(1, Math.floor(lockMs / 3)),
  );
  try {
    for (const row of batch) {
      const held = await renew();
      if (held.has(row.id)) await settle(row);
      else log.warn({ workerId, eventId: row.id }, "webhook.claim_lost");
      remaining.delete(row.id);
    }
  } finally {
    clearInterval(heartbeat);
  }
  return batch.length;
}

function claimClock(ctx: BatchContext): { now?: Date } {
  return ctx.clock ? { now: ctx.clock() } : {};
}
