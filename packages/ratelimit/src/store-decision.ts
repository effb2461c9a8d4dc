/** @module A decision asked of the store, with its lease, its outage handling and its blocked-cache entry. */
import type { BlockedCache } from "./blocked-cache.js";
import { type RateLimitDecision, toDecision } from "./decision.js";
import type { Leases } from "./leases.js";
import type { RateLimitLogger, RateLimitMetrics } from "./limiter.js";
import type { Policy } from "./policy.js";
import { type RateLimitStore, RateLimitStoreError, type StoreDecision } from "./store.js";
import type { StoreHealth } from "./store-health.js";

export interface StoreDecisionOptions {
  store: RateLimitStore;
  health: StoreHealth;
  fallback: (key: string, ps: readonly Policy[], cost: number) => Promise<RateLimitDecision>;
  /** Absent when leasing is off. */
  leases: Leases | undefined;
  /** Absent when the blocked cache is off. */
  blocked: BlockedCache | undefined;
  logger: RateLimitLogger | undefined;
  metrics: RateLimitMetrics | undefined;
  clock: () => number;
}

/**
 * The limiter's path to its store: a decision by the store (asking for a lease along with it), or by
 * the fallback while the store is down or failing for this key.
 */
export function createStoreDecision(options: StoreDecisionOptions) {
  const { store, health, fallback, leases, blocked, logger, metrics, clock } = options;

  function storeFailed(error: unknown, key: string, ps: readonly Policy[], cost: number) {
    if (error instanceof RateLimitStoreError && error.code === "key_error") {
      // The store answered; only this key's state is bad. Every other key stays on the store.
      metrics?.increment("ratelimit_key_errors_total");
      logger?.warn({ err: error, key, store: store.kind }, "ratelimit.key_error");
      health.answered(clock());
      return fallback(key, ps, cost);
    }
    health.failed(error, clock());
    return fallback(key, ps, cost);
  }

  return async function decide(
    key: string,
    ps: readonly Policy[],
    cost: number,
    now: number,
  ): Promise<RateLimitDecision> {
    const admission = health.admit(now);
    if (admission === "skip") return fallback(key, ps, cost);
    if (leases?.any) leases.refundExpired(key, ps, now);
    const ask = leases && cost > 0 ? leases.ask(key) : 0;
    let raw: StoreDecision;
    try {
      raw = await store.decide(key, ps, cost, ask);
    } catch (error) {
      if (ask > 0) leases?.granted(key, ps, null, now);
      if (admission === "probe") health.probed();
      return storeFailed(error, key, ps, cost);
    }
    if (ask > 0) leases?.granted(key, ps, raw, now);
    if (admission === "probe") health.probed();
    health.answered(clock());
    if (!raw.allowed) {
      // Refused by the store, but a lease may have come in for the key while this was in flight:
      // its units are charged already and meant for requests like this one (else they are stranded).
      if (leases && cost > 0 && leases.any) {
        const leased = leases.spend(key, ps, cost, clock());
        if (leased) return leased;
      }
      blocked?.remember(key, ps, raw, now);
    }
    return toDecision(ps, raw, cost, "store");
  };
}
