import { stripeOperations } from "@org/db";
import { createTestDb, type TestDb } from "@org/testing";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCountingStripe } from "../test/fake-stripe.js";
import { createStripeOperations, STRIPE_KEY_TTL_MS, StaleStripeOperationError } from "./stripe-operations.js";

describe("runOnce with a key Stripe has forgotten (older than 24 h)", () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(() => t.cleanup());

  /** A call that failed before Stripe's answer was recorded, `ageMs` ago: the row is pending with its key. */
  async function pendingSince(stableId: string, ageMs: number) {
    const stripe = createCountingStripe();
    const ops = createStripeOperations({ db: t.db });
    await expect(
      ops.runOnce("customer:create", stableId, async (idempotencyKey) => {
        await stripe.customers.create({ email: `${stableId}@acme.test` }, { idempotencyKey });
        throw new Error("connection reset after Stripe created the customer");
      }),
    ).rejects.toThrow(/connection reset/);
    await t.db
      .update(stripeOperations)
      .set({ createdAt: new Date(Date.now() - ageMs) })
      .where(and(eq(stripeOperations.operation, "customer:create"), eq(stripeOperations.stableId, stableId)));
    return stripe;
  }

  it("finds the object Stripe made and records it without a second call", async () => {
    const stripe = await pendingSince("ten_stale_found", STRIPE_KEY_TTL_MS + 60_000);
    const ops = createStripeOperations({ db: t.db });
    let sent = 0;
    const id = await ops.runOnce(
      "customer:create",
      "ten_stale_found",
      async (idempotencyKey) => {
        sent++;
        return stripe.customers.create({ email: "x@acme.test" }, { idempotencyKey });
      },
      { find: async () => ({ id: "cus_1" }) },
    );
    expect(id).toBe("cus_1");
    expect(sent).toBe(0);
    expect(stripe.created).toHaveLength(1);
    expect(await ops.find("customer:create", "ten_stale_found")).toMatchObject({
      state: "completed",
      stripeResourceId: "cus_1",
    });
  });

  it("sends the call under a fresh key when Stripe has no such object", async () => {
    await pendingSince("ten_stale_missing", STRIPE_KEY_TTL_MS + 60_000);
    const before = await createStripeOperations({ db: t.db }).find("customer:create", "ten_stale_missing");
    const stripe = createCountingStripe();
    const ops = createStripeOperations({ db: t.db });
    const keys: string[] = [];
    const id = await ops.runOnce(
      "customer:create",
      "ten_stale_missing",
      (idempotencyKey) => {
        keys.push(idempotencyKey);
        return stripe.customers.create({ email: "y@acme.test" }, { idempotencyKey });
      },
      { find: async () => null },
    );
    expect(id).toBe("cus_1");
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toBe(before?.idempotencyKey);
    const after = await ops.find("customer:create", "ten_stale_missing");
    expect(after).toMatchObject({ state: "completed", idempotencyKey: keys[0] });
  });

  it("refuses to re-send a forgotten key blindly when it cannot check Stripe", async () => {
    await pendingSince("ten_stale_blind", STRIPE_KEY_TTL_MS + 60_000);
    const ops = createStripeOperations({ db: t.db });
    let sent = 0;
    await expect(
      ops.runOnce("customer:create", "ten_stale_blind", async () => {
        sent++;
        return { id: "cus_again" };
      }),
    ).rejects.toBeInstanceOf(StaleStripeOperationError);
    expect(sent).toBe(0);
  });

  it("re-sends a key younger than 24 h as before, with the same key and no lookup", async () => {
    await pendingSince("ten_recent", STRIPE_KEY_TTL_MS - 3_600_000);
    const before = await createStripeOperations({ db: t.db }).find("customer:create", "ten_recent");
    const ops = createStripeOperations({ db: t.db });
    let looked = 0;
    const keys: string[] = [];
    await ops.runOnce(
      "customer:create",
      "ten_recent",
      async (idempotencyKey) => {
        keys.push(idempotencyKey);
        return { id: "cus_recent" };
      },
      {
        find: async () => {
          looked++;
          return null;
        },
      },
    );
    expect(keys).toEqual([before?.idempotencyKey]);
    expect(looked).toBe(0);
  });
});
