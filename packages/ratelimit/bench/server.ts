/**
 * The HTTP benchmark's server, run as a child process so the load generator has its own core:
 * `tsx bench/server.ts <bare|noop|ours|ours-lease[N]|ours-selfhosted|ours-memory|peer> <redisUrl>`; sends `{ port }`
 * to its parent once listening (see startChildServer).
 */
import { serve } from "@hono/node-server";
import { requestHeader } from "@org/server-kit/hono";
import { type Context, Hono, type Next } from "hono";
import { Redis } from "ioredis";
import { RateLimiterRedis } from "rate-limiter-flexible";
import { ratelimit } from "../src/hono/ratelimit.js";
import { createRateLimiter } from "../src/limiter.js";
import { createMemoryStore } from "../src/memory-store.js";
import { createPolicy } from "../src/policy.js";
import { createRedisStore } from "../src/redis-store.js";

const [mode, redisUrl] = process.argv.slice(2);
const prefix = `bench:${process.pid}:`;
const app = new Hono();
let redis: Redis | undefined;
// High enough that every request is admitted: each one costs a decision in Redis. Except in
// "ours-selfhosted": the self-hosted default plan (1000 req/s, burst 2000), which a load test
// exceeds, so most answers are 429s (mostly from the blocked-until cache).
const policies =
  mode === "ours-selfhosted"
    ? [createPolicy({ name: "self_hosted", rate: 1_000, periodMs: 1_000, burst: 2_000 })]
    : [createPolicy({ name: "bench", rate: 1_000_000_000, periodMs: 1_000, burst: 1_000_000_000 })];
// Read as the platform's middleware read headers: from Node's parsed headers (see requestHeader).
const tenant = (c: Context) => requestHeader(c, "x-tenant") ?? "anonymous";

if (mode === "ours" || mode?.startsWith("ours-lease") || mode === "ours-selfhosted") {
  redis = new Redis(redisUrl!, { enableAutoPipelining: true, maxRetriesPerRequest: 1 });
  const limiter = createRateLimiter({
    store: createRedisStore({ redis, prefix }),
    policies,
    leaseUnits: mode?.startsWith("ours-lease") ? Number(mode.slice("ours-lease".length) || 16) : 0,
  });
  app.use(ratelimit({ limiter, key: tenant }));
} else if (mode === "noop") {
  // Any async middleware at all: the floor under every middleware's ratio.
  app.use(async (_c, next) => {
    await next();
  });
} else if (mode === "ours-memory") {
  const limiter = createRateLimiter({ store: createMemoryStore(), policies });
  app.use(ratelimit({ limiter, key: tenant }));
} else if (mode === "peer") {
  redis = new Redis(redisUrl!, { enableAutoPipelining: true, maxRetriesPerRequest: 1 });
  const peer = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `${prefix}rlf`,
    points: 1e9,
    duration: 1,
  });
  app.use(async (c: Context, next: Next) => {
    try {
      const r = await peer.consume(tenant(c));
      c.header("RateLimit", `"bench";r=${r.remainingPoints};t=${Math.ceil(r.msBeforeNext / 1000)}`);
    } catch {
      return c.json({ code: "rate_limited" }, 429);
    }
    await next();
  });
}
app.get("/", (c) => c.json({ ok: true }));

const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
  process.send?.({ port: info.port });
});
for (const signal of ["SIGTERM", "SIGINT"] as const)
  process.on(signal, async () => {
    server.close();
    if (redis) {
      const keys = await redis.keys(`${prefix}*`);
      for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
      redis.disconnect();
    }
    process.exit(0);
  });
