import { stripeWebhookEvents, subscriptions, tenants } from "@org/db";
import { eq, inArray, sql } from "drizzle-orm";
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "../../test/harness.js";
import { createCheckout } from "../checkout.js";
import { currentSubscription } from "../stripe-shapes.js";
import { silentLogger } from "../testing.js";
import { HANDLED_EVENT_TYPES } from "../webhooks/handlers.js";
import { billingHandler } from "./billing-handler.js";
import { type IncomingEvent, insertEvent } from "./intake-store.js";
import { createInboxWorker } from "./worker.js";

const TENANTS = 8;
const OUTAGE_SECONDS = 5 * 60;

describe("a Stripe outage of 5 minutes (simulated clock)", () => {
  let h: Harness;
  beforeAll(async () => {
    // The inbox stamps rows with the database's time: the simulated clock starts there and moves on.
    h = await createHarness({ startTime: Date.now() });
  });
  afterAll(() => h?.close());

  it("ends converged with every event processed once and none dead, with no manual replay", async () => {
    const customers: string[] = [];
    for (let i = 0; i < TENANTS; i++) {
      const tenant = await h.newTenant();
      const checkout = await createCheckout(h.deps, tenant, {
        plan: i % 3 ? "pro" : "enterprise",
        interval: "month",
      });
      h.fake.completeCheckout(checkout.sessionId);
      customers.push((await h.tenant(tenant.id)).stripeCustomerId!);
    }
    const [first] = (await h.stripe.subscriptions.list({ customer: customers[0]! })).data;
    await h.stripe.subscriptions.update(first!.id, { cancel_at_period_end: true });
    const emitted = h.fake.events() as unknown as Stripe.Event[];
    for (const event of emitted) await insertEvent(h.t.db, event as unknown as IncomingEvent);

    // Stripe answers 500 to everything until the simulated clock has moved 5 minutes on.
    const outageEnds = h.fake.clock.now() + OUTAGE_SECONDS;
    h.fake.faults.failNext(Number.MAX_SAFE_INTEGER, { status: 500 });
    const simulatedStart = h.fake.clock.now();
    const wallStart = performance.now();

    const holding = new Set<string>();
    const completed = new Map<string, number>();
    let overlaps = 0;
    const billing = billingHandler(h.deps);
    const workers = [0, 1].map((i) =>
      createInboxWorker({
        db: h.t.db,
        logger: silentLogger(),
        workerId: `outage-${i}`,
        clock: () => new Date(h.fake.clock.now() * 1000),
        handle: async (row) => {
          if (holding.has(row.id)) overlaps++;
          holding.add(row.id);
          try {
            const result = await billing(row);
            completed.set(row.id, (completed.get(row.id) ?? 0) + 1);
            return result;
          } finally {
            holding.delete(row.id);
          }
        },
      }),
    );

    let rounds = 0;
    for (; rounds < 500; rounds++) {
      await Promise.all(workers.map((w) => w.drain()));
      const open = await h.t.db
        .select({ nextAttemptAt: stripeWebhookEvents.nextAttemptAt })
        .from(stripeWebhookEvents)
        .where(inArray(stripeWebhookEvents.status, ["pending", "failed", "processing"]))
        .orderBy(stripeWebhookEvents.nextAttemptAt)
        .limit(1);
      if (open.length === 0) break;
      // Nothing is due: jump the clock to the next retry, as the hours would pass in production.
      const nextDue = Math.ceil(open[0]!.nextAttemptAt.getTime() / 1000);
      if (nextDue > h.fake.clock.now()) h.fake.clock.advanceTo(nextDue);
      if (h.fake.clock.now() >= outageEnds) h.fake.faults.clear();
    }
    const simulatedSeconds = h.fake.clock.now() - simulatedStart;
    const wallMs = Math.round(performance.now() - wallStart);

    const rows = await h.t.db.select().from(stripeWebhookEvents);
    const withStatus = (status: string) => rows.filter((r) => r.status === status);
    const processedTwice = [...completed.values()].filter((n) => n > 1).length;
    console.info(
      `outage: ${rows.length} events, ${TENANTS} tenants, converged after ${simulatedSeconds} s simulated / ${wallMs} ms wall, ` +
        `${rounds} rounds, max attempts ${Math.max(...rows.map((r) => r.attempts))}, lost ${emitted.length - withStatus("processed").length}, processed twice ${processedTwice}`,
    );
    expect(rows.length).toBe(emitted.length);
    expect(withStatus("dead")).toEqual([]);
    expect(withStatus("processed")).toHaveLength(emitted.length);
    expect(overlaps).toBe(0);
    expect(processedTwice).toBe(0);
    expect(simulatedSeconds).toBeGreaterThanOrEqual(OUTAGE_SECONDS);
    // Every event that reads Stripe failed during the outage: it really was retried, hours of backoff apart.
    const readingStripe = rows.filter((r) => (HANDLED_EVENT_TYPES as readonly string[]).includes(r.type));
    expect(readingStripe.length).toBeGreaterThan(TENANTS * 5);
    expect(readingStripe.every((r) => r.attempts >= 2)).toBe(true);

    for (const customerId of customers) {
      const truth = currentSubscription(
        (await h.stripe.subscriptions.list({ customer: customerId, status: "all" })).data,
      )!;
      const [tenant] = await h.t.db.select().from(tenants).where(eq(tenants.stripeCustomerId, customerId));
      const [row] = await h.t.db
        .select()
        .from(subscriptions)
        .where(eq(subscriptions.stripeSubscriptionId, truth.id));
      expect(row).toMatchObject({ status: truth.status, cancelAtPeriodEnd: truth.cancel_at_period_end });
      expect(tenant?.plan).toBe(truth.items.data[0]!.price.id.startsWith("price_pro") ? "pro" : "enterprise");
    }
    const unsynced = await h.t.db.execute(sql`select 1 from tenants where plan = 'free'`);
    expect(unsynced).toHaveLength(0);
    // A few seconds alone; on a loaded 2-core CI machine, running beside every other suite, far more.
  }, 300_000);
});
