import { closeDb, createDb, rows, subscriptions } from "@org/db";
import { eq, sql } from "drizzle-orm";
import { Hono } from "hono";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createHarness, type Harness } from "../test/harness.js";
import { billingRoutes } from "./hono/routes.js";
import { STRIPE_API_VERSION } from "./stripe-client.js";
import { syncCustomer } from "./sync.js";

/** Long enough that nothing here ends by timing out: a hung call ends only when the test releases it. */
const HANG_MS = 600_000;

describe("syncCustomer holds no database connection while Stripe is slow, and never writes an older snapshot over a newer one", () => {
  let h: Harness;
  beforeAll(async () => {
    // Two connections: a sync that held one while waiting on Stripe would starve everything else.
    h = await createHarness({ db: { driver: "postgres", maxConnections: 2 } });
  });
  afterAll(() => h?.close());

  /** The SDK against the fake with its own fetch, and without a timeout that could end a hang first. */
  const stripeWith = (fetchFn: typeof fetch = fetch) =>
    new Stripe("sk_test_billing", {
      ...h.fake.stripeConfig(),
      apiVersion: STRIPE_API_VERSION as Stripe.StripeConfig["apiVersion"],
      maxNetworkRetries: 0,
      timeout: HANG_MS * 2,
      httpClient: Stripe.createFetchHttpClient(fetchFn),
    });

  async function rowOf(subscriptionId: string) {
    const [row] = await h.t.db
      .select()
      .from(subscriptions)
      .where(eq(subscriptions.stripeSubscriptionId, subscriptionId));
    return row;
  }

  it("keeps answering routes and finishing other syncs on a pool of 2 while two syncs wait on a hung Stripe", async () => {
    const { tenant, customerId } = await h.subscribe("pro");
    await syncCustomer(h.deps, customerId);
    h.fake.faults.hangNext(2, { path: "/v1/subscriptions", method: "GET", hangMs: HANG_MS });
    const hung = [1, 2].map(() => syncCustomer({ ...h.deps, stripe: stripeWith() }, customerId));
    await vi.waitFor(() => expect(h.fake.faults.active()).toHaveLength(0), { timeout: 30_000, interval: 20 });

    const observer = createDb({ driver: "postgres", url: h.t.url!, maxConnections: 1 });
    try {
      const open = rows<{ n: number }>(
        await observer.execute(
          sql`select count(*)::int as n from pg_stat_activity
              where datname = current_database() and state like 'idle in transaction%'`,
        ),
      );
      expect(open[0]?.n).toBe(0);
    } finally {
      await closeDb(observer);
    }

    const app = new Hono().route(
      "/",
      billingRoutes({ billing: h.deps, tenantOf: () => ({ ...tenant, plan: "pro" }) }),
    );
    const answer = await app.request("/v1/billing/subscription");
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ plan: "pro", status: "active" });

    const others = await Promise.all(Array.from({ length: 20 }, () => syncCustomer(h.deps, customerId)));
    expect(others.every((r) => r.outcome === "synced" || r.outcome === "stale")).toBe(true);
    expect(others.some((r) => r.outcome === "synced")).toBe(true);

    h.fake.faults.releaseHangs();
    const settled = await Promise.allSettled(hung);
    expect(settled.map((s) => s.status)).toEqual(["rejected", "rejected"]);
    expect((await h.tenant(tenant.id)).plan).toBe("pro");
  });

  it("drops a snapshot read before a cancellation when it reaches the database after the newer one", async () => {
    const { tenant, customerId } = await h.subscribe("pro");
    await syncCustomer(h.deps, customerId);
    const [subscription] = (await h.stripe.subscriptions.list({ customer: customerId })).data;

    // The first sync's read is answered by Stripe now (active) but reaches us only when released.
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let held = 0;
    const heldFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (String(input instanceof Request ? input.url : input).includes("/v1/subscriptions")) {
        held++;
        await released;
      }
      return response;
    };
    const older = syncCustomer({ ...h.deps, stripe: stripeWith(heldFetch) }, customerId);
    await vi.waitFor(() => expect(held).toBe(1), { timeout: 30_000, interval: 20 });

    await h.stripe.subscriptions.cancel(subscription!.id);
    const newer = await syncCustomer(h.deps, customerId);
    expect(newer).toMatchObject({ outcome: "synced", status: "canceled" });
    release();

    expect(await older).toMatchObject({ outcome: "stale", tenantId: tenant.id });
    expect((await rowOf(subscription!.id))?.status).toBe("canceled");
    expect((await h.tenant(tenant.id)).plan).toBe("free");
  });
});
