/** @module The limiter: a store, a local "blocked until" cache, and an insurance limiter for outages. */
import { createBlockedCache } from "./blocked-cache.js";
import type { RateLimitDecision } from "./decision.js";
import { createFallback } from "./fallback.js";
import { assertKey } from "./key.js";
import { createLeases } from "./leases.js";
import { createPolicy, type Policy } from "./policy.js";
import type { RateLimitStore } from "./store.js";
import { createStoreDecision } from "./store-decision.js";
import { createStoreHealth } from "./store-health.js";
import { createTickAnswers } from "./tick-answers.js";

/** A pino-compatible logger (only the two levels used). */
export interface RateLimitLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
}

/** Metric names reported through {@link RateLimitMetrics.increment}. */
export type RateLimitMetric =
  | "ratelimit_store_errors_total"
  | "ratelimit_key_errors_total"
  | "ratelimit_store_recoveries_total"
  | "ratelimit_fallback_decisions_total"
  | "ratelimit_blocked_cache_hits_total";

/** A hook to count events, e.g. backed by prom-client counters. */
export interface RateLimitMetrics {
  increment(name: RateLimitMetric): void;
}

/** What to do while the store cannot answer. */
export type FailMode = "insurance" | "open" | "closed";

export interface RateLimiterOptions {
  store: RateLimitStore;
  /** The policies `limit(key)` applies. Or give `rate`, `periodMs`, `burst` for one policy. */
  policies?: readonly Policy[];
  rate?: number;
  periodMs?: number;
  burst?: number;
  /** Name of the policy made from `rate`/`periodMs`/`burst`. */
  name?: string;
  /**
   * While the store errors or times out: `insurance` (default) decides locally with each policy
   * divided by `expectedNodes`; `open` admits everything; `closed` refuses everything.
   */
  failMode?: FailMode;
  /** Nodes sharing the limit: the insurance limiter gives each process 1/n of it. */
  expectedNodes?: number;
  /** After a store failure, the store is tried again (by one request) this many ms later. */
  retryIntervalMs?: number;
  /**
   * Lease up to this many units per key from the store along with a decision, and admit them
   * locally without a round trip (0: off, every admission is a store call). A lease never takes
   * more than half of what is left, so near the limit decisions are exact one by one again; units
   * leased are already charged, so leasing never admits over the limit. Once half of a lease is
   * spent the next one is asked for (a decision of cost 0), so a busy key keeps being answered
   * locally; what is left of the old lease is added to the new. A lease unspent `leaseTtlMs` after
   * its last grant is returned to the store with the key's next decision (lost if the key is never
   * seen again or the store fails), so a node may spend units charged up to about `leaseTtlMs`
   * earlier. Local answers leave at the end of the event-loop tick, with the tick's other answers.
   */
  leaseUnits?: number;
  /** A lease not spent within this many ms of its last grant is handed back. */
  leaseTtlMs?: number;
  /** Remember refused keys locally until their retry time, so a flood stops at the node. */
  blockedCache?: boolean;
  /** Most keys remembered by the blocked cache and by the insurance limiter. */
  maxLocalKeys?: number;
  logger?: RateLimitLogger;
  metrics?: RateLimitMetrics;
  /** Milliseconds clock for the local caches (the Redis store takes time from Redis). */
  clock?: () => number;
}

/**
 * A rate limiter. `limit(key, cost)` applies the limiter's policies; `limitWith` applies policies
 * chosen per request (e.g. from the caller's plan). Pass the same array for the same plan: arrays
 * are used as identities for caching.
 */
export interface RateLimiter {
  limit(key: string, cost?: number): Promise<RateLimitDecision>;
  limitWith(key: string, policies: readonly Policy[], cost?: number): Promise<RateLimitDecision>;
  /** True while the store is failing and decisions are local. */
  readonly degraded: boolean;
  readonly policies: readonly Policy[];
}

/**
 * Creates a limiter over a store.
 *
 * Exactness: every admission is decided by the store (one script call per key per tick on Redis).
 * The blocked cache only ever refuses, and only until the moment the store itself would first
 * admit a unit again, so it never changes what is admitted, only where refusals are answered.
 * While the store is down, decisions are local (see `failMode`); one request per
 * `retryIntervalMs` probes the store, and the first success switches back without a restart.
 * A store error about one key's state (`key_error`) degrades only that key's decision: the store
 * stays in use for every other key. An empty key rejects with {@link RateLimitKeyError} before any
 * store is asked.
 *
 * @param [options.failMode="insurance"]
 * @param [options.expectedNodes=1]
 * @param [options.retryIntervalMs=1000]
 * @param [options.leaseUnits=0]
 * @param [options.leaseTtlMs=100]
 * @param [options.blockedCache=true]
 * @param [options.maxLocalKeys=100000]
 * @example
 * const limiter = createRateLimiter({ store, rate: 100, periodMs: 1_000, burst: 200, expectedNodes: 4 });
 * const d = await limiter.limit("ten_123");
 * if (!d.allowed) console.log(`retry in ${d.retryAfterMs} ms`);
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const policies = policiesOf(options);
  const settings = settingsOf(options);
  const { blockedCache, clock } = settings;
  const { health, blocked, leases, decide } = createDeciders(options, settings);
  const leasing = settings.leaseUnits > 0;
  /** Local answers (blocked cache, lease) leave with the tick's other answers (see createTickAnswers). */
  const answerAtTickEnd = createTickAnswers<RateLimitDecision>();

  function limitWith(key: string, ps: readonly Policy[], cost = 1): Promise<RateLimitDecision> {
    try {
      assertKey(key);
    } catch (error) {
      return Promise.reject(error);
    }
    const now = clock();
    if (blockedCache && cost > 0 && blocked.any) {
      const refusal = blocked.refusal(key, ps, cost, now);
      if (refusal) return answerAtTickEnd(refusal);
    }
    if (leasing && cost > 0 && leases.any) {
      const leased = leases.spend(key, ps, cost, now);
      if (leased) return answerAtTickEnd(leased);
    }
    return decide(key, ps, cost, now);
  }

  return {
    policies,
    get degraded() {
      return health.down;
    },
    limit(key, cost = 1) {
      return limitWith(key, policies, cost);
    },
    limitWith,
  };
}

/** The limiter's own policies: `policies`, or one made from `rate`/`periodMs`/`burst`, or none. */
function policiesOf(options: RateLimiterOptions): readonly Policy[] {
  if (options.policies) return options.policies;
  if (options.rate === undefined || options.periodMs === undefined) return [];
  return [
    createPolicy({
      name: options.name ?? "default",
      rate: options.rate,
      periodMs: options.periodMs,
      burst: options.burst,
    }),
  ];
}

/** The limiter's options with their defaults applied. */
type Settings = ReturnType<typeof settingsOf>;

/** Applies the defaults documented on {@link createRateLimiter}; throws on a bad `expectedNodes`. */
function settingsOf(options: RateLimiterOptions) {
  const {
    failMode = "insurance",
    expectedNodes = 1,
    retryIntervalMs = 1_000,
    blockedCache = true,
    leaseUnits = 0,
    leaseTtlMs = 100,
    maxLocalKeys = 100_000,
    clock = Date.now,
  } = options;
  if (!(expectedNodes >= 1)) throw new Error("ratelimit: expectedNodes must be >= 1");
  return {
    failMode,
    expectedNodes,
    retryIntervalMs,
    blockedCache,
    leaseUnits,
    leaseTtlMs,
    maxLocalKeys,
    clock,
  };
}

/**
 * The parts a limiter decides with, built once per limiter: the store's health, the insurance
 * limiter, the blocked cache, the leases and the store decision that ties them together.
 */
function createDeciders(options: RateLimiterOptions, settings: Settings) {
  const { store, logger, metrics } = options;
  const {
    failMode,
    expectedNodes,
    retryIntervalMs,
    blockedCache,
    leaseUnits,
    leaseTtlMs,
    maxLocalKeys,
    clock,
  } = settings;
  const health = createStoreHealth({
    store,
    retryIntervalMs,
    context: { failMode, expectedNodes },
    logger,
    onError: () => metrics?.increment("ratelimit_store_errors_total"),
    onRecovery: () => metrics?.increment("ratelimit_store_recoveries_total"),
  });
  const fallback = createFallback({
    failMode,
    expectedNodes,
    retryIntervalMs,
    maxLocalKeys,
    clock,
    onDecision: () => metrics?.increment("ratelimit_fallback_decisions_total"),
  });
  const blocked = createBlockedCache({
    maxLocalKeys,
    onHit: () => metrics?.increment("ratelimit_blocked_cache_hits_total"),
  });
  const leases = createLeases({ store, leaseUnits, leaseTtlMs, maxLocalKeys, isDown: () => health.down });
  const decide = createStoreDecision({
    store,
    health,
    fallback,
    leases: leaseUnits > 0 ? leases : undefined,
    blocked: blockedCache ? blocked : undefined,
    logger,
    metrics,
    clock,
  });
  return { health, blocked, leases, decide };
}
