/** @module runOnce(): outgoing Stripe calls made at most once per operation, across retries and crashes. */
import { randomUUID } from "node:crypto";
import { type Database, stripeOperations } from "@org/db";
import { and, eq, ne } from "drizzle-orm";

export interface StripeOperationsOptions {
  db: Database;
  /** @default () => new Date() */
  now?: () => Date;
}

/** What the Stripe call returns: the resource id, or the resource itself. */
export type StripeCallResult = string | { id: string };

/**
 * Idempotent outgoing Stripe operations over the `stripe_operations` table.
 *
 * `runOnce(operation, stableId, fn)`:
 * 1. if the operation already completed, returns the stored Stripe resource id (no call);
 * 2. otherwise makes sure a key `operation:stableId:uuid` is persisted BEFORE any call (the insert
 *    is `ON CONFLICT DO NOTHING`, so every caller, concurrent or after a crash, reads the same key);
 * 3. calls `fn(key)`, which must pass the key to Stripe as `idempotencyKey`;
 * 4. records the resource id.
 *
 * A crash between 3 and 4 leaves the row pending with its key: the retry calls Stripe with the same
 * key, Stripe answers with the resource it already created, and only then is it recorded. Two
 * concurrent callers both send the same key; Stripe creates one resource (or answers the second with
 * a retryable 409 while the first is in flight). `operation` and `stableId` must determine the
 * request's parameters: Stripe rejects a key reused with other parameters.
 *
 * @example
 * const ops = createStripeOperations({ db });
 * const customerId = await ops.runOnce("customer:create", tenant.id, (idempotencyKey) =>
 *   stripe.customers.create({ email: tenant.email, metadata: { tenantId: tenant.id } }, { idempotencyKey }),
 * );
 */
export function createStripeOperations(options: StripeOperationsOptions) {
  const { db, now = () => new Date() } = options;

  async function recordFailure(operation: string, stableId: string, error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    await db
      .update(stripeOperations)
      .set({ lastError: message.slice(0, 1000) })
      .where(
        and(
          eq(stripeOperations.operation, operation),
          eq(stripeOperations.stableId, stableId),
          ne(stripeOperations.state, "completed"),
        ),
      );
  }

  return {
    async runOnce(
      operation: string,
      stableId: string,
      fn: (idempotencyKey: string) => Promise<StripeCallResult>,
    ) {
      if (!operation || !stableId) throw new Error("runOnce needs an operation and a stable id");
      const where = and(eq(stripeOperations.operation, operation), eq(stripeOperations.stableId, stableId));
      // The key is durable before Stripe hears of it; a losing concurrent insert keeps the winner's key.
      await db
        .insert(stripeOperations)
        .values({ operation, stableId, idempotencyKey: `${operation}:${stableId}:${randomUUID()}` })
        .onConflictDoNothing();
      const [row] = await db.select().from(stripeOperations).where(where);
      if (!row) throw new Error(`stripe operation ${operation}:${stableId} vanished`);
      if (row.state === "completed" && row.stripeResourceId) return row.stripeResourceId;

      let resourceId: string;
      try {
        const result = await fn(row.idempotencyKey);
        resourceId = typeof result === "string" ? result : result.id;
      } catch (error) {
        await recordFailure(operation, stableId, error).catch(() => {});
        throw error;
      }
      await db
        .update(stripeOperations)
        .set({ stripeResourceId: resourceId, state: "completed", completedAt: now(), lastError: null })
        .where(and(where, ne(stripeOperations.state, "completed")));
      return resourceId;
    },

    /** The stored row of an operation, or undefined (for inspection and tests). */
    async find(operation: string, stableId: string) {
      const [row] = await db
        .select()
        .from(stripeOperations)
        .where(and(eq(stripeOperations.operation, operation), eq(stripeOperations.stableId, stableId)));
      return row;
    },
  };
}

export type StripeOperations = ReturnType<typeof createStripeOperations>;
