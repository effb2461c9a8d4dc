/** @module Decisions per second from one process: our Redis limiter vs rate-limiter-flexible's consume. */
import { Redis } from "ioredis";
import { RateLimiterRedis } from "rate-limiter-flexible";
import { createRateLimiter } from "../src/limiter.js";
import { createRedisStore } from "../src/redis-store.js";
import { median } from "./median.js";

export interface DecisionsResult {
  scenario: string;
  /** Medians over the rounds. */
  ours: number;
  peer: number;
  /** Median of the per-round ratios ours / peer. */
  ratio: number;
}

/** Runs `concurrency` loops calling `decide` for `durationMs`; returns decisions per second. */
async function measure(durationMs: number, concurrency: number, decide: (i: number) => Promise<unknown>) {
  let done = 0;
  const end = Date.now() + durationMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      let i = w;
      while (Date.now() < end) {
        await decide(i);
        i += concurrency;
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

/**
 * Measures both limiters on the same Redis, same client options, same key spread, one after the
 * other. The limit is high enough that every decision is an admission (every one goes to Redis).
 *
 * @example
 * await benchDecisions({ redisUrl: "redis://127.0.0.1:6379", durationMs: 3000 });
 */
export async function benchDecisions(o: {
  redisUrl: string;
  durationMs: number;
  rounds: number;
  concurrency?: number;
}): Promise<DecisionsResult[]> {
  const concurrency = o.concurrency ?? 256;
  const prefix = `bench:${process.pid}:`;
  const redis = new Redis(o.redisUrl, { enableAutoPipelining: true, maxRetriesPerRequest: 1 });
  const limiter = createRateLimiter({
    store: createRedisStore({ redis, prefix, timeoutMs: 1_000 }),
    rate: 1_000_000_000,
    periodMs: 1_000,
    burst: 1_000_000_000,
  });
  const peer = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `${prefix}rlf`,
    points: 1_000_000_000,
    duration: 1,
  });
  const results: DecisionsResult[] = [];
  try {
    for (const [scenario, keys] of [
      ["1000 keys", 1000],
      ["1 hot key", 1],
    ] as const) {
      const names = Array.from({ length: keys }, (_, i) => `ten_${i}`);
      // Warm up both (script load, connections, JIT).
      await measure(300, concurrency, (i) => limiter.limit(names[i % keys]!));
      await measure(300, concurrency, (i) => peer.consume(names[i % keys]!));
      const ours: number[] = [];
      const theirs: number[] = [];
      for (let round = 0; round < o.rounds; round++) {
        ours.push(await measure(o.durationMs, concurrency, (i) => limiter.limit(names[i % keys]!)));
        theirs.push(await measure(o.durationMs, concurrency, (i) => peer.consume(names[i % keys]!)));
      }
      results.push({
        scenario,
        ours: median(ours),
        peer: median(theirs),
        ratio: median(ours.map((x, i) => x / theirs[i]!)),
      });
    }
  } finally {
    const keys = await redis.keys(`${prefix}*`);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
    redis.disconnect();
  }
  return results;
}
