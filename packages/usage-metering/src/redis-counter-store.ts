/** @module Shared period counters in Redis: one script per tenant and flush, applied at most once. */
import type { Redis } from "ioredis";
import type { CounterStore, PeriodDelta } from "./counter-store.js";

export interface RedisCounterStoreOptions {
  /** Key prefix, e.g. `prod:`; keys are `{prefix}usage:{tenantId}:{periodStartMs}`. @default "" */
  prefix?: string;
  /** How long a period's counters live after their last change. @default 40 days */
  ttlMs?: number;
  /** How long a flush id is remembered per tenant: longer than any retry of the same add. @default 1 day */
  flushTtlMs?: number;
}

/*
 * KEYS[1]: the tenant's marker of this flush id; KEYS[2..]: the tenant's period hashes. ARGV[1]: the
 * marker's TTL, ARGV[2]: the hashes' TTL, then per delta: the index of its key in KEYS, meter, n.
 * SET NX and the increments run in one script, so a retried add either finds the marker (and adds
 * nothing) or adds everything with it: never half. Every key carries the tenant's hash tag.
 */
const ADD_ONCE = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return 0 end
for i = 3, #ARGV, 3 do
  local key = KEYS[tonumber(ARGV[i])]
  redis.call('HINCRBY', key, ARGV[i + 1], ARGV[i + 2])
  redis.call('PEXPIRE', key, ARGV[2])
end
return 1
`;

const COMMAND = "orgUsageAddOnce";

type WithAddOnce = { [COMMAND](numKeys: number, ...args: (string | number)[]): Promise<number> };

/**
 * A counter store in Redis for several nodes. An add is one script call per tenant (SET NX of the
 * flush id, then HINCRBY per meter and period), all of a flush sent in one pipeline; the tenant id
 * is the hash tag of every key a call touches, so it runs on Redis Cluster.
 *
 * @example
 * const counters = createRedisCounterStore(new Redis(env.REDIS_URL), { prefix: "usage:" });
 */
export function createRedisCounterStore(redis: Redis, options: RedisCounterStoreOptions = {}): CounterStore {
  const { prefix = "", ttlMs = 40 * 86_400_000, flushTtlMs = 86_400_000 } = options;
  const keyOf = (tenantId: string, periodStartMs: number) => `${prefix}usage:{${tenantId}}:${periodStartMs}`;
  // defineCommand sends EVALSHA and falls back to EVAL on NOSCRIPT, in pipelines too.
  if (!(COMMAND in redis)) redis.defineCommand(COMMAND, { lua: ADD_ONCE });
  return {
    async add(deltas, flushId) {
      if (deltas.length === 0) return;
      const byTenant = new Map<string, PeriodDelta[]>();
      for (const d of deltas) {
        const list = byTenant.get(d.tenantId);
        if (list) list.push(d);
        else byTenant.set(d.tenantId, [d]);
      }
      const pipeline = redis.pipeline() as unknown as WithAddOnce & {
        exec(): Promise<[Error | null, unknown][] | null>;
      };
      for (const [tenantId, list] of byTenant) {
        const keys = [`${prefix}usage:{${tenantId}}:flush:${flushId}`];
        const args: (string | number)[] = [flushTtlMs, ttlMs];
        for (const d of list) {
          const key = keyOf(tenantId, d.periodStartMs);
          let index = keys.indexOf(key);
          if (index < 0) index = keys.push(key) - 1;
          args.push(index + 1, d.meter, d.n);
        }
        void pipeline[COMMAND](keys.length, ...keys, ...args);
      }
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([error]) => error);
      if (failed) throw failed[0];
    },
    async get(tenantId, periodStartMs) {
      const raw = await redis.hgetall(keyOf(tenantId, periodStartMs));
      const out: Record<string, number> = {};
      for (const [meter, value] of Object.entries(raw)) out[meter] = Number(value);
      return out;
    },
    async reset(tenantId, periodStartMs, totals) {
      const key = keyOf(tenantId, periodStartMs);
      const multi = redis.multi().del(key);
      if (Object.keys(totals).length > 0) multi.hset(key, totals).pexpire(key, ttlMs);
      const failed = ((await multi.exec()) ?? []).find(([error]) => error);
      if (failed) throw failed[0];
    },
  };
}
