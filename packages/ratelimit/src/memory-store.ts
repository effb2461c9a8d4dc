/** @module The in-process store: exact for one process, bounded in memory, entries expire. */
import { gcraDecide } from "./gcra.js";
import type { Policy } from "./policy.js";
import type { RateLimitStore, StoreDecision } from "./store.js";
import { createTickAnswers } from "./tick-answers.js";

export interface MemoryStoreOptions {
  /** Most keys kept; beyond it the least recently used key is dropped (it then starts full again). */
  maxKeys?: number;
  /** Milliseconds clock (injected in tests). */
  clock?: () => number;
}

export interface MemoryStore extends RateLimitStore {
  /** Keys currently held (expired ones may linger until touched or swept). */
  readonly size: number;
}

interface Entry {
  /** Theoretical arrival time per policy name. */
  tats: Map<string, number>;
  /** When every policy of the key is full again: the entry means nothing after this. */
  expiresAtMs: number;
}

/** Expired entries dropped per call at most, so a sweep never stalls a request. */
const SWEEP_PER_CALL = 8;

/**
 * A store in a Map, for a single process (the embedded default, tests, and the insurance limiter).
 * Entries are kept in least-recently-used order: a key that is touched moves to the end, expired
 * entries at the front are dropped as calls go by, and beyond `maxKeys` the oldest is evicted.
 * An expired entry is the same as no entry (its bucket is full), so expiry loses nothing.
 *
 * @param [options.maxKeys=100000]
 * @param [options.clock=Date.now]
 * @example
 * const limiter = createRateLimiter({ store: createMemoryStore(), policies: [pro] });
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const { maxKeys = 100_000, clock = Date.now } = options;
  if (!(maxKeys >= 1)) throw new Error("ratelimit: maxKeys must be >= 1");
  const entries = new Map<string, Entry>();
  const tats: number[] = [];

  function sweep(now: number): void {
    let n = 0;
    for (const [key, entry] of entries) {
      if (n++ >= SWEEP_PER_CALL) break;
      if (entry.expiresAtMs > now && entries.size <= maxKeys) break;
      entries.delete(key);
    }
  }

  function decideSync(
    key: string,
    policies: readonly Policy[],
    cost: number,
    leaseMax: number,
  ): StoreDecision {
    const now = clock();
    let entry = entries.get(key);
    if (entry) entries.delete(key); // re-inserted below: keeps least-recently-used order
    if (!entry || entry.expiresAtMs <= now) entry = { tats: new Map(), expiresAtMs: now };
    tats.length = policies.length;
    for (let j = 0; j < policies.length; j++) tats[j] = entry.tats.get(policies[j]!.name) ?? now;
    const offsetsMs: number[] = new Array(policies.length);
    const leased = gcraDecide(tats, policies, cost, now, offsetsMs, leaseMax);
    const allowed = leased >= 0;
    if (allowed) {
      for (let j = 0; j < policies.length; j++) {
        entry.tats.set(policies[j]!.name, tats[j]!);
        if (tats[j]! > entry.expiresAtMs) entry.expiresAtMs = tats[j]!;
      }
    }
    if (entry.expiresAtMs > now) entries.set(key, entry);
    sweep(now);
    return { allowed, leased: allowed ? leased : 0, offsetsMs };
  }

  // Decided at once, answered at the tick's end with the tick's other answers (see createTickAnswers).
  const answerAtTickEnd = createTickAnswers<StoreDecision>();

  return {
    kind: "memory",
    get size() {
      return entries.size;
    },
    decide(key, policies, cost, leaseMax = 0) {
      return answerAtTickEnd(decideSync(key, policies, cost, leaseMax));
    },
    async close() {
      entries.clear();
    },
  };
}
