import { closeDb, createDb, stripeWebhookEvents } from "@org/db";
import { eq } from "drizzle-orm";
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "../../test/harness.js";
import { createCheckout } from "../checkout.js";
import { silentLogger } from "../testing.js";
import { billingHandler } from "./billing-handler.js";
import { type IncomingEvent, insertEvent } from "./intake-store.js";
import { createInboxWorker } from "./worker.js";

const LOCK_MS = 1_000;

describe("a slow Stripe and two workers", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ startTime: Date.now() });
  });
  afterAll(() => h?.close());

  it("never runs one event twice, although a batch takes several times the claim's length", async () => {
    for (let i = 0; i < 4; i++) {
      const tenant = await h.newTenant();
      const checkout = await createCheckout(h.deps, tenant, { plan: "pro", interval: "month" });
      h.fake.completeCheckout(checkout.sessionId);
    }
    const emitted = h.fake.events() as unknown as Stripe.Event[];
    for (const event of emitted) await insertEvent(h.t.db, event as unknown as IncomingEvent);
    // Every Stripe call takes 300 ms: a batch of 10 events that read Stripe takes about 3 s, three claims.
    h.fake.latency.set({ ms: 300 });

    const billing = billingHandler(h.deps);
    const holding = new Set<string>();
    const runs = new Map<string, number>();
    let overlaps = 0;
    const pools = [0, 1].map(() => createDb({ driver: "postgres", url: h.t.url!, maxConnections: 4 }));
    const workers = pools.map((db, i) =>
      createInboxWorker({
        db,
        logger: silentLogger(),
        workerId: `slow-${i}`,
        batchSize: 10,
        lockMs: LOCK_MS,
        pollMs: 50,
        handle: async (row) => {
          if (holding.has(row.id)) overlaps++;
          holding.add(row.id);
          runs.set(row.id, (runs.get(row.id) ?? 0) + 1);
          try {
            return await billing(row);
          } finally {
            holding.delete(row.id);
          }
        },
      }),
    );
    try {
      for (const worker of workers) await worker.start();
      for (let waited = 0; waited < 120_000; waited += 100) {
        const processed = await h.t.db.$count(
          stripeWebhookEvents,
          eq(stripeWebhookEvents.status, "processed"),
        );
        if (processed === emitted.length) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      for (const worker of workers) await worker.stop();
      for (const db of pools) await closeDb(db);
      h.fake.latency.clear();
    }
    const ranTwice = [...runs].filter(([, n]) => n > 1).map(([id]) => id);
    expect(overlaps).toBe(0);
    expect(ranTwice).toEqual([]);
    expect(runs.size).toBe(emitted.length);
    expect(await h.t.db.$count(stripeWebhookEvents, eq(stripeWebhookEvents.status, "processed"))).toBe(
      emitted.length,
    );
  });
});
