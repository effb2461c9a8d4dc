/** @module runOnce(): outgoing Stripe calls made at most once per operation, across retries and crashes. */
import type { Database } from "@org/db";
import { callStripe, type StripeCallResult } from "./stripe-call.js";
import {
  completeOperation,
  findOperation,
  persistOperationKey,
  recordOperationFailure,
  renewOperationKey,
} from "./stripe-operation-rows.js";

export type { StripeCallResult } from "./stripe-call.js";

export interface StripeOperationsOptions {
  db: Database;
  /** @default () => new Date() */
  now?: () => Date;
  /**
   * Waits before asking again when Stripe answers 409 `idempotency_key_in_use` (another process is
   * running the same operation with the same key). @default [100, 200, 400, 800, 1600] ms
   */
  inUseBackoffMs?: number[];
  /**
   * How long Stripe remembers an idempotency key. A pending operation whose key is older is never
   * sent again as is: Stripe would treat the old key as new and create a second object. @default 24 h
   */
  keyTtlMs?: number;
}

/** Stripe forgets idempotency keys after 24 hours. */
export const STRIPE_KEY_TTL_MS = 24 * 3_600_000;

/** How {@link StripeOperations.runOnce} finds out whether an old, unconfirmed call did happen. */
export interface RunOnceOptions {
  /**
   * Looks the object up in Stripe (e.g. a search or list by the metadata the call sets) and returns it,
   * or null when Stripe has none. Asked only when a pending operation's key is older than Stripe's
   * memory of it; without it such an operation is refused instead of sent blindly.
   */
  find?: () => Promise<StripeCallResult | null | undefined>;
}

/**
 * A pending operation whose idempotency key Stripe has forgotten, and no way was given to check
 * whether its call happened: sending it again might make a second object.
 */
export class StaleStripeOperationError extends Error {
  readonly code = "stripe_operation_stale";
  readonly retryable = false;
  constructor(
    readonly operation: string,
    readonly stableId: string,
  ) {
    super(
      `stripe operation ${operation}:${stableId} is pending with a key older than Stripe keeps keys; pass find() to check Stripe before sending it again`,
    );
    this.name = "StaleStripeOperationError";
  }
}

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
 * key, Stripe answers with the resource it already created, and only then is it recorded.
 * Concurrent callers in one process share one call. Callers in different processes both send the
 * same key: Stripe creates one resource and answers the later one 409 `idempotency_key_in_use` while
 * the first is in flight, which runOnce waits out (`inUseBackoffMs`) before asking again and getting
 * the replay. `operation` and `stableId` must determine the request's parameters: Stripe rejects a
 * key reused with other parameters.
 *
 * Stripe keeps a key for 24 hours only. A pending operation whose key is older is never re-sent
 * blindly: `find` (the fourth argument) asks Stripe whether the object exists (e.g. a search by
 * metadata); if it does, it is recorded without a call; if not, the call goes out under a fresh key.
 * Without `find`, such an operation throws `StaleStripeOperationError`.
 *
 * @example
 * const ops = createStripeOperations({ db });
 * const customerId = await ops.runOnce("customer:create", tenant.id, (idempotencyKey) =>
 *   stripe.customers.create({ email: tenant.email, metadata: { tenantId: tenant.id } }, { idempotencyKey }),
 * );
 */
export function createStripeOperations(options: StripeOperationsOptions) {
  const {
    db,
    now = () => new Date(),
    inUseBackoffMs = [100, 200, 400, 800, 1600],
    keyTtlMs = STRIPE_KEY_TTL_MS,
  } = options;
  /** Calls of this process running now, by operation and stable id: concurrent callers share one. */
  const running = new Map<string, Promise<string>>();

  async function runOnceNow(
    operation: string,
    stableId: string,
    fn: (idempotencyKey: string) => Promise<StripeCallResult>,
    runOptions: RunOnceOptions,
  ): Promise<string> {
    const row = await persistOperationKey(db, operation, stableId, now());
    if (row.state === "completed" && row.stripeResourceId) return row.stripeResourceId;

    let key = row.idempotencyKey;
    if (now().getTime() - row.createdAt.getTime() >= keyTtlMs) {
      // Stripe no longer knows this key: the earlier call may have created the object, and sending
      // the key again would create another. Ask Stripe first; only when it has none, send the call
      // under a fresh key (stored first, like the original) whose 24 hours start now.
      if (!runOptions.find) throw new StaleStripeOperationError(operation, stableId);
      const existing = await runOptions.find();
      if (existing) return completeOperation(db, operation, stableId, existing, now());
      key = await renewOperationKey(db, operation, stableId, now());
    }

    let result: StripeCallResult;
    try {
      result = await callStripe(fn, key, inUseBackoffMs);
    } catch (error) {
      await recordOperationFailure(db, operation, stableId, error).catch(() => {});
      throw error;
    }
    return completeOperation(db, operation, stableId, result, now());
  }

  return {
    runOnce(
      operation: string,
      stableId: string,
      fn: (idempotencyKey: string) => Promise<StripeCallResult>,
      runOptions: RunOnceOptions = {},
    ): Promise<string> {
      if (!operation || !stableId)
        return Promise.reject(new Error("runOnce needs an operation and a stable id"));
      const id = `${operation}\u0000${stableId}`;
      let call = running.get(id);
      if (!call) {
        call = runOnceNow(operation, stableId, fn, runOptions).finally(() => running.delete(id));
        running.set(id, call);
      }
      return call;
    },

    /** The stored row of an operation, or undefined (for inspection and tests). */
    find: (operation: string, stableId: string) => findOperation(db, operation, stableId),
  };
}

export type StripeOperations = ReturnType<typeof createStripeOperations>;
