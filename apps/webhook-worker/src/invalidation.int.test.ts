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

  it("publishes a webhook's plan change on cloud-api's invalidation channel", async () => {
    const t = await createTestDb();
    cleanups.push(() => t.cleanup());
    const fake = createStripeFake({ webhookSecret: SECRET });
    await fake.start(0);
    cleanups.push(() => fake.stop());
    const redis = createTestRedis();
    cleanups.push(() => redis.cleanup());
    const prefix = `wh-${randomBytes(4).toString("hex")}`;

    // A cloud-api node: listens where cloud-api's platform deps listen.
    const heard: { message: Invalidation; at: number }[] = [];
    const node = await createRedisBus({ redis: redis.connect(), channel: tenantInvalidationChannel(prefix) });
    cleanups.push(() => node.close());
    node.subscribe((message) => heard.push({ message, at: performance.now() }));

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
    const processedAt = performance.now();
    await worker.drain();
    const [row] = await t.db.select().from(tenants).where(eq(tenants.id, tenantId));
    expect(row?.plan).toBe("pro");
    for (let waited = 0; waited < 10_000 && heard.length === 0; waited += 20)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(heard.map((h) => h.message)).toContainEqual({ tenantId });
    console.info(
      `invalidation heard ${Math.round(heard[0]!.at - processedAt)} ms after the worker started draining`,
    );
  });
});
