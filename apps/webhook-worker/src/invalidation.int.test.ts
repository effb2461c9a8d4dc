import { randomBytes } from "node:crypto";
import { createInboxWorker, type IncomingEvent, insertEvent } from "@org/billing";
import { tenants } from "@org/db";
import { createRedisBus, type Invalidation, tenantInvalidationChannel } from "@org/multitenancy";
import { createStripeFake } from "@org/stripe-fake";
import { createTestDb, createTestRedis } from "@org/testing";
import { eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { SECRET, silentLogger, subscribedTenant } from "../test/helpers.js";
import { buildDeps } from "./deps.js";
import { parseEnv } from "./env.js";

describe("webhook-worker with its own production deps and REDIS_URL", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it("delivers a webhook's plan change to two cloud-api nodes in under 1 s from processing", async () => {
    const t = await createTestDb();
    cleanups.push(() => t.cleanup());
    const fake = createStripeFake({ webhookSecret: SECRET });
    await fake.start(0);
    cleanups.push(() => fake.stop());
    const redis = createTestRedis();
    cleanups.push(() => redis.cleanup());
    const prefix = `wh-${randomBytes(4).toString("hex")}`;

    // Two cloud-api nodes, each with its own Redis connection and bus, listening where cloud-api's
    // platform deps listen: every node must hear it, not just one of them.
    const nodes = await Promise.all(
      ["node-a", "node-b"].map(async (name) => {
        const heard: { message: Invalidation; at: number }[] = [];
        const bus = await createRedisBus({
          redis: redis.connect(),
          channel: tenantInvalidationChannel(prefix),
        });
        cleanups.push(() => bus.close());
        bus.subscribe((message) => heard.push({ message, at: performance.now() }));
        return { name, heard };
      }),
    );

    const deps = await buildDeps(
      parseEnv({
        DATABASE_URL: t.url,
        STRIPE_SECRET_KEY: "sk_test_worker",
        STRIPE_WEBHOOK_SECRET: SECRET,
        STRIPE_API_BASE: fake.url,
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: prefix,
        LOG_LEVEL: "silent",
      }),
      silentLogger(),
    );
    cleanups.push(() => deps.close());

    const tenantId = await subscribedTenant(t.db, fake, "pro");
    for (const event of fake.events()) await insertEvent(t.db, event as unknown as IncomingEvent);

    const worker = createInboxWorker({ db: deps.db, handle: deps.handle!, logger: silentLogger() });
    // Measured from the start of processing (an upper bound on "from the plan change"): the sync
    // from Stripe and the write count against the budget too.
    const processingStartedAt = performance.now();
    await worker.drain();
    const [row] = await t.db.select().from(tenants).where(eq(tenants.id, tenantId));
    expect(row?.plan).toBe("pro");
    // Waits a little past the budget only so that a slow delivery fails on its figure below.
    const heardBoth = () => nodes.every((n) => n.heard.some((h) => h.message.tenantId === tenantId));
    while (!heardBoth() && performance.now() - processingStartedAt < 3_000)
      await new Promise((resolve) => setTimeout(resolve, 5));
    const latencyMs = nodes.map((n) => {
      const heard = n.heard.find((h) => h.message.tenantId === tenantId);
      return {
        node: n.name,
        ms: heard ? Math.round(heard.at - processingStartedAt) : Number.POSITIVE_INFINITY,
      };
    });
    console.info(`invalidation heard after processing started: ${JSON.stringify(latencyMs)}`);
    for (const { ms } of latencyMs) expect(ms).toBeLessThan(1_000);
  });
});
