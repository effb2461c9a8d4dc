/**
 * Child process of the accuracy test: hammers one key through its own limiter and Redis client
 * from `startAt` to `endAt`, then prints `{ allowed, attempts, fallbacks, firstMs, lastMs, lastStartMs,
 * firstAnswerMs, lastStoreRefusalStartMs }` as JSON.
 * argv: redisUrl prefix key rate periodMs burst workers leaseUnits. Once connected it prints
 * "ready" and reads "<startAt> <endAt>" (ms epoch) from stdin, so slow starts cannot skew the run.
 */
import { Redis } from "ioredis";
import { createRateLimiter } from "../src/limiter.js";
import { createRedisStore } from "../src/redis-store.js";

const [url, prefix, key, rate, periodMs, burst, workers, leaseUnits] = process.argv.slice(2);
const redis = new Redis(url!, { enableAutoPipelining: true, maxRetriesPerRequest: 1 });
const limiter = createRateLimiter({
  store: createRedisStore({ redis, prefix: prefix!, timeoutMs: 2_000 }),
  rate: Number(rate),
  periodMs: Number(periodMs),
  burst: Number(burst),
  leaseUnits: Number(leaseUnits ?? 0),
  // The test measures the shared store: a fallback decision would make the count meaningless.
  failMode: "closed",
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
await redis.ping();
process.stdout.write("ready\n");
const [startAt, endAt] = await new Promise<number[]>((resolve) =>
  process.stdin.once("data", (d) => resolve(d.toString().trim().split(" ").map(Number))),
);
process.stdin.destroy();
await sleep(Math.max(0, startAt! - Date.now()));

let allowed = 0;
let attempts = 0;
let fallbacks = 0;
let firstMs = Number.POSITIVE_INFINITY;
let lastMs = 0;
let lastStartMs = 0;
let firstAnswerMs = Number.POSITIVE_INFINITY;
let lastStoreRefusalStartMs = 0;
async function worker() {
  while (Date.now() < endAt!) {
    const started = Date.now();
    if (started < firstMs) firstMs = started;
    if (started > lastStartMs) lastStartMs = started;
    const d = await limiter.limit(key!);
    lastMs = Date.now();
    if (lastMs < firstAnswerMs) firstAnswerMs = lastMs;
    // Refused by Redis itself: at that moment the shared bucket was empty.
    if (!d.allowed && d.source === "store" && started > lastStoreRefusalStartMs)
      lastStoreRefusalStartMs = started;
    attempts++;
    if (d.source === "fail-closed") fallbacks++;
    if (d.allowed) allowed++;
    else await sleep(1);
  }
}
await Promise.all(Array.from({ length: Number(workers) }, worker));
process.stdout.write(
  `${JSON.stringify({ allowed, attempts, fallbacks, firstMs, lastMs, lastStartMs, firstAnswerMs, lastStoreRefusalStartMs })}\n`,
);
redis.disconnect();
