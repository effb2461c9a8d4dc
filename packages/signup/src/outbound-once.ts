/** @module Outbound calls made at most once per (operation, stable id): `@org/idempotency`'s runOnce. */
import { type Database, stripeOperations } from "@org/db";
import { createStripeOperations } from "@org/idempotency";
import { and, eq } from "drizzle-orm";

/**
 * Runs `call` for `(operation, stableId)` with an idempotency key chosen once and stored before the
 * first call, so any retry (another request, the sweeper after a crash) sends the same key and gets
 * the same remote object back. Resolves to the remote object's id. The shape of `runOnce`.
 *
 * @example
 * const customerId = await once("customer:create", tenantId, (key) => billing.createCustomer({ ...input, idempotencyKey: key }));
 */
export type OutboundOnce = (
  operation: string,
  stableId: string,
  call: (idempotencyKey: string) => Promise<{ id: string }>,
  options?: OutboundOnceOptions,
) => Promise<string>;

/**
 * What `runOnce` asks when an operation is retried after Stripe forgot its key (24 h).
 *
 * @example
 * await once("customer:create", tenantId, call, { find: () => billing.findCustomer!(tenantId) });
 */
export interface OutboundOnceOptions {
  /**
   * The remote object the lost call made, or null when it made none. Without it such a retry
   * fails with `StaleStripeOperationError` (code `stripe_operation_stale`) rather than risk a
   * second object.
   */
  find?: () => Promise<{ id: string } | null | undefined>;
}

/**
 * What is recorded about an outbound operation: did we ever try, with which key, what came back.
 *
 * @example
 * const record = await readOutbound(db, "customer:create", tenantId);
 */
export interface OutboundRecord {
  idempotencyKey: string;
  state: "pending" | "completed" | "failed";
  resourceId: string | null;
  /** When the key was chosen, on the clock of the `once` that chose it (Stripe keeps a key 24 h). */
  createdAt: Date;
}

/**
 * The saga's default {@link OutboundOnce}: `runOnce` of `@org/idempotency` over `stripe_operations`.
 * `options.now` is the clock a key's age is measured on (tests pass the Stripe stand-in's).
 *
 * @example
 * const once = createOutboundOnce(db);
 * const customerId = await once("customer:create", tenantId, (key) => billing.createCustomer({ ..., idempotencyKey: key }));
 */
export function createOutboundOnce(db: Database, options: { now?: () => Date } = {}): OutboundOnce {
  const ops = createStripeOperations({ db, ...options });
  return (operation, stableId, call, runOptions) => ops.runOnce(operation, stableId, call, runOptions);
}

/**
 * The stored record of an outbound operation (compensations use it to find a remote object whose
 * creation was attempted but never recorded).
 *
 * @example
 * const record = await readOutbound(db, "customer:create", tenantId);
 */
export async function readOutbound(
  db: Database,
  operation: string,
  stableId: string,
): Promise<OutboundRecord | undefined> {
  const row = await createStripeOperations({ db }).find(operation, stableId);
  return (
    row && {
      idempotencyKey: row.idempotencyKey,
      state: row.state,
      resourceId: row.stripeResourceId,
      createdAt: row.createdAt,
    }
  );
}

/**
 * Forgets an outbound operation whose remote object a compensation has deleted, so the next
 * `once` for the same (operation, stable id) chooses a new idempotency key and creates a new
 * object instead of answering with the deleted one's id.
 *
 * @example
 * await billing.deleteCustomer(customerId);
 * await retireOutbound(db, "customer:create", tenantId);
 */
export async function retireOutbound(db: Database, operation: string, stableId: string): Promise<void> {
  await db
    .delete(stripeOperations)
    .where(and(eq(stripeOperations.operation, operation), eq(stripeOperations.stableId, stableId)));
}
