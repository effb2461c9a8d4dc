import { createStripeClient } from "@org/billing";
import { createMetrics } from "@org/server-kit";
import { createServiceApp } from "@org/server-kit/hono";
import { createStripeFake } from "@org/stripe-fake";
import { createTestDb, createTestRedis, type TestDb, type TestRedis } from "@org/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../test/harness.js";
import { readinessChecks } from "./readiness.js";

/** A port nothing listens on: connections are refused at once. */
const CLOSED = "http://127.0.0.1:9";

/** A Redis client whose commands fail at once (no reconnecting, no offline queue). */
function unreachableRedis(): Redis {
  const redis = new Redis("redis://127.0.0.1:9", {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  redis.on("error", () => {});
  return redis;
}

describe("readinessChecks", () => {
  let t: TestDb;
  let r: TestRedis;
  beforeAll(async () => {
    t = await createTestDb();
    r = createTestRedis();
  });
  afterAll(async () => {
    await r?.cleanup();
    await t?.cleanup();
  });

  const stripeAt = (apiBase: string) => ({
    stripe: createStripeClient({
      secretKey: "sk_test_ready",
      apiBase,
      maxNetworkRetries: 0,
      timeoutMs: 5_000,
    }),
  });

  it("checks only the database when neither Redis nor billing is configured", async () => {
    const checks = readinessChecks({ db: t.db });
    expect(Object.keys(checks)).toEqual(["database"]);
    expect(await checks.database!()).toMatchObject({ ok: true });
  });

  it("reports each configured dependency up with its latency", async () => {
    const fake = createStripeFake({ webhookSecret: "whsec_ready" });
    await fake.start(0);
    try {
      const checks = readinessChecks({ db: t.db, redis: r.connect(), billing: stripeAt(fake.url) });
      expect(Object.keys(checks).sort()).toEqual(["database", "redis", "stripe"]);
      for (const [name, check] of Object.entries(checks)) {
        const result = await check();
        expect(result, name).toMatchObject({ ok: true });
        expect(result.latencyMs, name).toBeGreaterThanOrEqual(0);
      }
    } finally {
      await fake.stop();
    }
  });

  it("reports an unreachable Redis or Stripe as down with the reason, without throwing", async () => {
    const redis = unreachableRedis();
    try {
      const checks = readinessChecks({ db: t.db, redis, billing: stripeAt(CLOSED) });
      const redisResult = await checks.redis!();
      expect(redisResult.ok).toBe(false);
      expect(redisResult.error).toBeTruthy();
      const stripeResult = await checks.stripe!();
      expect(stripeResult.ok).toBe(false);
      expect(stripeResult.error).toBeTruthy();
    } finally {
      redis.disconnect();
    }
  });

  it("makes /ready answer 503 for a required dependency down, and 200 when only optional Stripe is", async () => {
    const redis = unreachableRedis();
    const metrics = createMetrics({ service: "ready-test", defaultMetrics: false });
    const ready = (checks: ReturnType<typeof readinessChecks>) =>
      createServiceApp({
        logger: silentLogger(),
        metrics,
        health: { checks, optional: ["stripe"] },
      }).request("/ready");
    try {
      const redisDown = await ready(readinessChecks({ db: t.db, redis }));
      expect(redisDown.status).toBe(503);
      expect(await redisDown.json()).toMatchObject({
        status: "unavailable",
        checks: { database: { status: "up" }, redis: { status: "down" } },
      });

      const stripeDown = await ready(readinessChecks({ db: t.db, billing: stripeAt(CLOSED) }));
      expect(stripeDown.status).toBe(200);
      expect(await stripeDown.json()).toMatchObject({
        status: "ready",
        checks: { database: { status: "up" }, stripe: { status: "down", optional: true } },
      });
    } finally {
      redis.disconnect();
    }
  });
});
