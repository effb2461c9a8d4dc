/** @module Shared period counters in Redis: HINCRBY per (tenant, period), one hash tag per tenant. */
import type { Redis } from "ioredis";
import type { CounterStore } from "./counter-store.js";

export interface RedisCounterStoreOptions {
  /** Key prefix, e.g. `prod:`; keys are `{prefix}usage:{tenantId}:{periodStartMs}`. @default "" */
  prefix?: string;
  /** How long a period's counters live after their last change. @default 40 days */
  ttlMs?: number;
}

/**
 * A counter store in Redis for several nodes. Increments are HINCRBY (atomic on the server), sent in
 * one pipeline per flush; the tenant id is the hash tag, so a tenant's keys live on one cluster slot.
 *
 * @example
 * const counters = createRedisCounterStore(new Redis(env.REDIS_URL), { prefix: "usage:" });
 */
export function createRedisCounterStore(redis: Redis, options: RedisCounterStoreOptions = {}): CounterStore {
  const { prefix = "", ttlMs = 40 * 86_400_000 } = options;
  const keyOf = (tenantId: string, periodStartMs: number) => `${prefix}usage:{${tenantId}}:${periodStartMs}`;
  return {
    async add(deltas) {
      if (deltas.length === 0) return;
      const pipeline = redis.pipeline();
      for (const d of deltas) {
        const key = keyOf(d.tenantId, d.periodStartMs);
        pipeline.hincrby(key, d.meter, d.n);
        pipeline.pexpire(key, ttlMs);
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
  };
}
