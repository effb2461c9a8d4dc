import { redisAvailable, startTcpProxy, TEST_REDIS_URL } from "@org/test-services";
import { Hono } from "hono";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { ratelimit } from "../src/hono/ratelimit.js";
import { createRateLimiter, type RateLimitMetric } from "../src/limiter.js";
import { createRedisStore } from "../src/redis-store.js";

const available = await redisAvailable();
const prefix = `test:${process.pid}:outage:`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(available)("Redis outage", () => {
  const cleanup: (() => unknown)[] = [];
  afterAll(async () => {
    for (const f of cleanup.reverse()) await f();
  });

  it("answers from the insurance limiter without a 5xx, then resumes shared limiting without a restart", async () => {
    const proxy = await startTcpProxy(Number(new URL(TEST_REDIS_URL).port || 6379));
    const redis = new Redis({
      host: "127.0.0.1",
      port: proxy.port,
      enableAutoPipelining: true,
      maxRetriesPerRequest: 1,
      retryStrategy: () => 50,
    });
    redis.on("error", () => {}); // connection errors while cut are expected: the limiter sees them per call
    const admin = new Redis(TEST_REDIS_URL);
    cleanup.push(
      () => proxy.close(),
      () => redis.disconnect(),
      async () => {
        const keys = await admin.keys(`${prefix}*`);
        if (keys.length) await admin.del(...keys);
        admin.disconnect();
      },
    );
    const logs: string[] = [];
    const counts = new Map<RateLimitMetric, number>();
    const limiter = createRateLimiter({
      // Generous: a cut proxy is seen as a refused connection at once; the timeout only matters for a
      // slow machine, where a short one would send the healthy phase to the fallback.
      store: createRedisStore({ redis, prefix, timeoutMs: 5_000 }),
      rate: 1,
      periodMs: 60_000,
      burst: 20,
      expectedNodes: 2,
      retryIntervalMs: 100,
      logger: { warn: (_, m) => logs.push(m), info: (_, m) => logs.push(m) },
      metrics: { increment: (n) => counts.set(n, (counts.get(n) ?? 0) + 1) },
    });
    const app = new Hono();
    app.use(ratelimit({ limiter, key: (c) => c.req.header("x-tenant") }));
    app.get("/", (c) => c.json({ source: (c.get as (k: string) => { source: string })("ratelimit").source }));
    const hit = async (tenant: string) => {
      const res = await app.request("/", { headers: { "x-tenant": tenant } });
      return { status: res.status, body: (await res.json()) as { source?: string }, res };
    };

    // Up: shared state in Redis.
    await redis.ping();
    for (let i = 0; i < 5; i++) expect((await hit("a")).body.source).toBe("store");
    expect(await admin.exists(`${prefix}rl:{a}:default`)).toBe(1);

    // Down: every request still answered, by the insurance limiter (20 / 2 nodes = 10 per process).
    await proxy.cut();
    const during = [];
    for (let i = 0; i < 30; i++) during.push(await hit("b"));
    expect(during.filter((r) => r.status >= 500)).toHaveLength(0);
    expect(during.filter((r) => r.status === 200)).toHaveLength(10);
    expect(during.filter((r) => r.status === 429)).toHaveLength(20);
    expect(during.filter((r) => r.status === 200).every((r) => r.body.source === "insurance")).toBe(true);
    expect(during.at(-1)!.res.headers.get("retry-after")).not.toBeNull();
    expect(limiter.degraded).toBe(true);
    expect(logs).toContain("ratelimit.store_down");
    expect(counts.get("ratelimit_fallback_decisions_total")).toBeGreaterThanOrEqual(30);
    expect(counts.get("ratelimit_store_errors_total")).toBeGreaterThanOrEqual(1);

    // Back: within a few probe intervals the shared store decides again; no restart.
    await proxy.restore();
    let source = "insurance";
    for (let i = 0; i < 300 && source !== "store"; i++) {
      await sleep(50);
      source = (await hit("c")).body.source ?? "refused";
    }
    expect(source).toBe("store");
    expect(limiter.degraded).toBe(false);
    expect(logs).toContain("ratelimit.store_recovered");
    expect(counts.get("ratelimit_store_recoveries_total")).toBe(1);
    // Tenant a's shared state survived the outage: 20 - 5 used, this one makes 14 remaining.
    const a = await hit("a");
    expect(a.body.source).toBe("store");
    const [, r, t] = /^"default";r=(\d+);t=(\d+)$/.exec(a.res.headers.get("ratelimit") ?? "") ?? [];
    expect(Number(r)).toBe(14);
    expect(Number(t)).toBeGreaterThan(340); // 6 units of 60 s, less the time the test took
    expect(Number(t)).toBeLessThanOrEqual(360);
  });
});
