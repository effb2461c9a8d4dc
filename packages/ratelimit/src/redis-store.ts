/** @module The shared store: one Lua script on Redis or Redis Cluster, decisions batched per tick. */
import type { Cluster, Redis } from "ioredis";
import { assertKey } from "./key.js";
import { type Batch, sendTick, type TickOptions } from "./redis-batches.js";
import { createSend } from "./redis-send.js";
import type { RateLimitStore, StoreDecision } from "./store.js";

export interface RedisStoreOptions {
  /**
   * An ioredis client or cluster, owned by the caller. Create it with `enableAutoPipelining: true`:
   * on a Cluster the script calls of one tick then share one round trip per node (on a single Redis
   * the store makes one call per tick itself).
   */
  redis: Redis | Cluster;
  /** Prepended to every key (before `rl:{key}:policy`). Must not contain `{` or `}`. */
  prefix?: string;
  /** A call not answered within this many ms rejects, and the limiter falls back. */
  timeoutMs?: number;
  /** Most requests decided by one script call; more in one tick start another call. */
  maxBatch?: number;
  /**
   * Decide several keys in one script call. Default: on for a single Redis, off for a Cluster
   * (where one call may only touch one slot, so it carries one key's requests).
   */
  crossKeyBatching?: boolean;
}

export interface RedisStore extends RateLimitStore {
  /** Counters for tests and benchmarks: script calls sent, decisions they carried. */
  readonly stats: { scriptCalls: number; decisions: number };
}

/**
 * A store on Redis (or Redis Cluster): exact across any number of nodes. Every key of a caller
 * shares the hash tag `{key}` (braces and `%` in the key percent-encoded, see `hashTagOf` in key.ts), so
 * the script's keys live in one slot; an empty key is refused before anything is sent. A key whose
 * state is unreadable (another client wrote something else under its name) fails alone with
 * `key_error`, however many other keys share its script call. Concurrent decisions are
 * gathered until the end of the event-loop tick (`setImmediate`) and go to Redis as one EVALSHA
 * (on a Cluster, one per key) (falling back to EVAL when the server answers NOSCRIPT, e.g. after a
 * restart or on a new cluster node); with auto-pipelining, the whole tick is one round trip per node.
 *
 * @param options.redis - the caller's ioredis client or cluster
 * @param [options.prefix=""]
 * @param [options.timeoutMs=100]
 * @param [options.maxBatch=256]
 * @param [options.crossKeyBatching] - default: true unless `redis` is a Cluster
 * @example
 * const redis = new Redis(url, { enableAutoPipelining: true, maxRetriesPerRequest: 1 });
 * const store = createRedisStore({ redis, prefix: "app:" });
 */
export function createRedisStore(options: RedisStoreOptions): RedisStore {
  const { redis, prefix = "", timeoutMs = 100, maxBatch = 256 } = options;
  const crossKey = options.crossKeyBatching ?? (redis as { isCluster?: boolean }).isCluster !== true;
  if (prefix.includes("{") || prefix.includes("}"))
    throw new Error("ratelimit: prefix must not contain { or }");
  let pending = new Map<string, Batch>();
  let scheduled = false;
  const stats = { scriptCalls: 0, decisions: 0 };

  const tickOptions: TickOptions = {
    prefix,
    crossKey,
    maxBatch,
    timeoutMs,
    send: createSend(redis, crossKey, stats),
  };

  function flush(): void {
    scheduled = false;
    const batches = pending;
    pending = new Map();
    sendTick(batches, tickOptions);
  }

  return {
    kind: "redis",
    stats,
    decide(key, policies, cost, leaseMax = 0) {
      return new Promise<StoreDecision>((resolve, reject) => {
        assertKey(key);
        let b = pending.get(key);
        let last: Batch | undefined;
        while (b && (b.policies !== policies || b.costs.length >= maxBatch)) {
          last = b;
          b = b.next;
        }
        if (!b) {
          // Arrays born holding their first entry: most keys have one request per tick, and an
          // empty array's first push reserves room for 17.
          b = {
            key,
            policies,
            costs: [cost],
            leases: [leaseMax],
            resolves: [resolve],
            rejects: [reject],
            next: undefined,
            settled: false,
            tick: undefined,
          };
          if (last) last.next = b;
          else pending.set(key, b);
        } else {
          b.costs.push(cost);
          b.leases.push(leaseMax);
          b.resolves.push(resolve);
          b.rejects.push(reject);
        }
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    async close() {
      if (scheduled) flush();
    },
  };
}
