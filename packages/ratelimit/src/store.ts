/** @module The store contract: every rate-limit store decides GCRA requests the same way. */
import type { Policy } from "./policy.js";

/** The raw outcome of one decision, from which the limiter derives everything it reports. */
export interface StoreDecision {
  /** Whether every policy admitted the request (and it was charged to all of them). */
  allowed: boolean;
  /** Units charged on top of the cost as a lease for the caller to spend locally (0 if none). */
  leased: number;
  /** Per policy, in the order given: the key's theoretical arrival time minus now, in ms, after the decision. */
  offsetsMs: number[];
}

/**
 * A place that keeps GCRA state per key. Implementations: {@link createMemoryStore} (one process)
 * and {@link createRedisStore} (any number of nodes). `store.contract.ts` holds the suite every
 * implementation must pass.
 *
 * @example
 * const d = await store.decide("ten_123", [policy], 1);
 * if (!d.allowed) refuse();
 */
export interface RateLimitStore {
  /** Short name for logs (`memory`, `redis`). */
  readonly kind: string;
  /**
   * Decides one request of `cost` for `key` against every policy, atomically: admitted and charged
   * to all, or refused and charged to none. When admitted, up to `leaseMax` more units may be
   * charged as a lease (see `gcraDecide`). Rejects when the store cannot answer (the limiter then
   * falls back).
   */
  decide(key: string, policies: readonly Policy[], cost: number, leaseMax?: number): Promise<StoreDecision>;
  /** Releases timers and pending work (not the Redis client, which the caller owns). */
  close?(): Promise<void>;
}

/**
 * A store could not answer: unreachable, timed out, or a script error (`store_error`: the whole
 * store is in doubt), or it answered but this one key's state is unreadable (`key_error`: only
 * this key's decision is in doubt).
 *
 * @example
 * if (error instanceof RateLimitStoreError && error.code === "key_error") decideLocally(key);
 */
export class RateLimitStoreError extends Error {
  readonly code: "store_timeout" | "store_error" | "key_error";
  readonly retryable = true;

  constructor(
    code: "store_timeout" | "store_error" | "key_error",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "RateLimitStoreError";
    this.code = code;
  }
}
