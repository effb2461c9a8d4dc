/** @module The limiter: a store, a local "blocked until" cache, and an insurance limiter for outages. */
import { type RateLimitDecision, toDecision } from "./decision.js";
import { retryAfterOf } from "./gcra.js";
import { assertKey } from "./key.js";
import { createMemoryStore } from "./memory-store.js";
import { createPolicy, dividePolicy, type Policy } from "./policy.js";
import { type RateLimitStore, RateLimitStoreError, type StoreDecision } from "./store.js";
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

interface Lease {
  policies: readonly Policy[];
  units: number;
  expiresAtMs: number;
  atMs: number;
  offsetsMs: number[];
  requesting: boolean;
}

interface Blocked {
  policies: readonly Policy[];
  untilMs: number;
  atMs: number;
  offsetsMs: number[];
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
  const {
    store,
    failMode = "insurance",
    expectedNodes = 1,
    retryIntervalMs = 1_000,
    blockedCache = true,
    leaseUnits = 0,
    leaseTtlMs = 100,
    maxLocalKeys = 100_000,
    logger,
    metrics,
    clock = Date.now,
  } = options;
  const policies =
    options.policies ??
    (options.rate !== undefined && options.periodMs !== undefined
      ? [
          createPolicy({
            name: options.name ?? "default",
            rate: options.rate,
            periodMs: options.periodMs,
            burst: options.burst,
          }),
        ]
      : []);
  if (!(expectedNodes >= 1)) throw new Error("ratelimit: expectedNodes must be >= 1");

  const insurance = createMemoryStore({ maxKeys: maxLocalKeys, clock });
  const divided = new WeakMap<readonly Policy[], readonly Policy[]>();
  const blocked = new Map<string, Blocked>();
  const leases = new Map<string, Lease>();
  let down = false;
  let downSinceMs = 0;
  let retryAtMs = 0;
  let probing = false;

  function dividedOf(ps: readonly Policy[]): readonly Policy[] {
    let d = divided.get(ps);
    if (!d) {
      d = ps.map((p) => dividePolicy(p, expectedNodes));
      divided.set(ps, d);
    }
    return d;
  }

  function cachedRefusal(
    key: string,
    ps: readonly Policy[],
    cost: number,
    now: number,
  ): RateLimitDecision | null {
    const b = blocked.get(key);
    if (b === undefined) return null;
    if (b.policies !== ps || now >= b.untilMs) {
      blocked.delete(key);
      return null;
    }
    const elapsed = now - b.atMs;
    const offsetsMs = b.offsetsMs.map((o) => o - elapsed);
    metrics?.increment("ratelimit_blocked_cache_hits_total");
    return toDecision(ps, { allowed: false, leased: 0, offsetsMs }, cost, "blocked-cache");
  }

  function remember(key: string, ps: readonly Policy[], raw: StoreDecision, now: number): void {
    // The earliest moment any single unit could pass: refusing before it is what the store would do.
    let waitMs = 0;
    for (let j = 0; j < ps.length; j++) {
      const w = retryAfterOf(ps[j]!, raw.offsetsMs[j]!, 1);
      if (w > waitMs) waitMs = w;
    }
    if (waitMs <= 0) return;
    if (blocked.size >= maxLocalKeys) {
      const oldest = blocked.keys().next().value;
      if (oldest !== undefined) blocked.delete(oldest);
    }
    blocked.set(key, { policies: ps, untilMs: now + waitMs, atMs: now, offsetsMs: raw.offsetsMs });
  }

  /** Spends `cost` from the key's lease if it holds enough, else returns null. */
  function fromLease(
    key: string,
    ps: readonly Policy[],
    cost: number,
    now: number,
  ): RateLimitDecision | null {
    const lease = leases.get(key);
    if (lease === undefined || lease.policies !== ps || lease.units < cost || now >= lease.expiresAtMs)
      return null;
    lease.units -= cost;
    if (lease.units < leaseUnits / 2 && !lease.requesting && !down) topUp(key, lease, ps, now);
    const elapsed = now - lease.atMs;
    const offsetsMs = lease.offsetsMs.map((o) => o - elapsed);
    return toDecision(ps, { allowed: true, leased: 0, offsetsMs }, cost, "lease");
  }

  /**
   * Asks for the next lease (a decision of cost 0) while half of this one is still left: a busy key
   * is then answered from leases throughout, instead of by one store call per request each time a
   * lease runs out. A failure only drops the ask; the key's next store decision meets the outage.
   */
  function topUp(key: string, lease: Lease, ps: readonly Policy[], now: number): void {
    lease.requesting = true;
    store.decide(key, ps, 0, leaseUnits).then(
      (raw) => leaseGranted(key, ps, raw, now),
      () => leaseGranted(key, ps, null, now),
    );
  }

  /**
   * An expired lease's unspent units go back to the store (a negative cost, decided in the same
   * tick and batch just before this request's own decision), instead of being lost.
   */
  function refundExpired(key: string, ps: readonly Policy[], now: number): void {
    const lease = leases.get(key);
    if (lease === undefined || lease.requesting || lease.units <= 0 || lease.policies !== ps) return;
    if (now < lease.expiresAtMs) return;
    const units = lease.units;
    lease.units = 0;
    store.decide(key, ps, -units, 0).catch(() => {}); // lost on failure: never admits more
  }

  /** How many units to ask for along with this decision: none while another ask is in flight. */
  function leaseAsk(key: string): number {
    const lease = leases.get(key);
    if (lease?.requesting) return 0;
    if (lease) lease.requesting = true;
    else {
      if (leases.size >= maxLocalKeys) {
        const oldest = leases.keys().next().value;
        if (oldest !== undefined) leases.delete(oldest);
      }
      leases.set(key, { policies: [], units: 0, expiresAtMs: 0, atMs: 0, offsetsMs: [], requesting: true });
    }
    return leaseUnits;
  }

  function leaseGranted(key: string, ps: readonly Policy[], raw: StoreDecision | null, now: number): void {
    const lease = leases.get(key);
    if (!lease) return;
    lease.requesting = false;
    if (raw === null || raw.leased <= 0) return;
    // Units still held under the same policies are kept: they are charged already.
    const kept = lease.policies === ps && now < lease.expiresAtMs ? lease.units : 0;
    lease.policies = ps;
    lease.units = kept + raw.leased;
    lease.expiresAtMs = now + leaseTtlMs;
    lease.atMs = now;
    lease.offsetsMs = raw.offsetsMs;
  }

  async function fallback(key: string, ps: readonly Policy[], cost: number): Promise<RateLimitDecision> {
    metrics?.increment("ratelimit_fallback_decisions_total");
    if (failMode === "insurance") {
      const local = dividedOf(ps);
      return toDecision(local, await insurance.decide(key, local, cost), cost, "insurance");
    }
    const offsetsMs: number[] = ps.map((p) => (failMode === "open" ? 0 : p.toleranceMs + retryIntervalMs));
    return toDecision(ps, { allowed: failMode === "open", leased: 0, offsetsMs }, cost, `fail-${failMode}`);
  }

  function markDown(error: unknown, now: number): void {
    if (!down) {
      down = true;
      downSinceMs = now;
      logger?.warn({ err: error, store: store.kind, failMode, expectedNodes }, "ratelimit.store_down");
    }
    metrics?.increment("ratelimit_store_errors_total");
    retryAtMs = now + retryIntervalMs;
  }

  function markUp(now: number): void {
    logger?.info({ store: store.kind, downForMs: now - downSinceMs }, "ratelimit.store_recovered");
    metrics?.increment("ratelimit_store_recoveries_total");
    down = false;
  }

  /** Local answers (blocked cache, lease) leave with the tick's other answers (see createTickAnswers). */
  const answerAtTickEnd = createTickAnswers<RateLimitDecision>();

  function limitWith(key: string, ps: readonly Policy[], cost = 1): Promise<RateLimitDecision> {
    try {
      assertKey(key);
    } catch (error) {
      return Promise.reject(error);
    }
    const now = clock();
    if (blockedCache && cost > 0 && blocked.size > 0) {
      const refusal = cachedRefusal(key, ps, cost, now);
      if (refusal) return answerAtTickEnd(refusal);
    }
    if (leaseUnits > 0 && cost > 0 && leases.size > 0) {
      const leased = fromLease(key, ps, cost, now);
      if (leased) return answerAtTickEnd(leased);
    }
    return decide(key, ps, cost, now);
  }

  /** A decision by the store, or by the fallback while the store is down. */
  async function decide(
    key: string,
    ps: readonly Policy[],
    cost: number,
    now: number,
  ): Promise<RateLimitDecision> {
    let probe = false;
    if (down) {
      if (probing || now < retryAtMs) return fallback(key, ps, cost);
      probing = probe = true;
    }
    let raw: StoreDecision;
    if (leaseUnits > 0 && leases.size > 0) refundExpired(key, ps, now);
    const ask = leaseUnits > 0 && cost > 0 ? leaseAsk(key) : 0;
    try {
      raw = await store.decide(key, ps, cost, ask);
    } catch (error) {
      if (ask > 0) leaseGranted(key, ps, null, now);
      if (probe) probing = false;
      if (error instanceof RateLimitStoreError && error.code === "key_error") {
        // The store answered; only this key's state is bad. Every other key stays on the store.
        metrics?.increment("ratelimit_key_errors_total");
        logger?.warn({ err: error, key, store: store.kind }, "ratelimit.key_error");
        if (down) markUp(clock());
        return fallback(key, ps, cost);
      }
      markDown(error, clock());
      return fallback(key, ps, cost);
    }
    if (ask > 0) leaseGranted(key, ps, raw, now);
    if (probe) probing = false;
    if (down) markUp(clock());
    if (!raw.allowed) {
      // Refused by the store, but a lease may have come in for the key while this was in flight:
      // its units are charged already and meant for requests like this one (else they are stranded).
      if (leaseUnits > 0 && cost > 0 && leases.size > 0) {
        const leased = fromLease(key, ps, cost, clock());
        if (leased) return leased;
      }
      if (blockedCache) remember(key, ps, raw, now);
    }
    return toDecision(ps, raw, cost, "store");
  }

  return {
    policies,
    get degraded() {
      return down;
    },
    limit(key, cost = 1) {
      return limitWith(key, policies, cost);
    },
    limitWith,
  };
}
