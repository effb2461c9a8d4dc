import { stripeOperations } from "@org/db";
import { createTestDb, type TestDb } from "@org/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCountingStripe } from "../test/fake-stripe.js";
import { createStripeOperations } from "./stripe-operations.js";

describe("runOnce", () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb({ maxConnections: 20 });
  });
  afterAll(() => t.cleanup());

  it("persists the key before calling Stripe, records the resource, and answers later calls from the table", async () => {
    const stripe = createCountingStripe();
    const ops = createStripeOperations({ db: t.db });
    let keySeenInTable: string | undefined;
    const id = await ops.runOnce("customer:create", "ten_1", async (idempotencyKey) => {
      keySeenInTable = (await ops.find("customer:create", "ten_1"))?.idempotencyKey;
      expect(idempotencyKey).toMatch(/^customer:create:ten_1:[0-9a-f-]{36}$/);
      expect(keySeenInTable).toBe(idempotencyKey);
      return stripe.customers.create({ email: "a@acme.test" }, { idempotencyKey });
    });
    expect(id).toBe("cus_1");
    const again = await ops.runOnce("customer:create", "ten_1", (k) =>
      stripe.customers.create({ email: "a@acme.test" }, { idempotencyKey: k }),
    );
    expect(again).toBe("cus_1");
    expect(stripe.calls).toBe(1);
    const row = await ops.find("customer:create", "ten_1");
    expect(row).toMatchObject({
      state: "completed",
      stripeResourceId: "cus_1",
      idempotencyKey: keySeenInTable,
    });
  });

  it("creates one Stripe resource when called concurrently", async () => {
    const stripe = createCountingStripe();
    const ops = createStripeOperations({ db: t.db });
    const ids = await Promise.all(
      Array.from({ length: 20 }, () =>
        ops.runOnce("customer:create", "ten_2", (idempotencyKey) =>
          stripe.customers.create({ email: "b@acme.test" }, { idempotencyKey }),
        ),
      ),
    );
    expect(new Set(ids)).toEqual(new Set(["cus_1"]));
    expect(stripe.created).toHaveLength(1);
    expect(stripe.keys()).toHaveLength(1);
  });

  it("reuses the key after a crash between the Stripe call and the record", async () => {
    const stripe = createCountingStripe();
    const crashing = createStripeOperations({ db: t.db });
    await expect(
      crashing.runOnce("customer:create", "ten_3", async (idempotencyKey) => {
        await stripe.customers.create({ email: "c@acme.test" }, { idempotencyKey });
        throw new Error("process died before recording");
      }),
    ).rejects.toThrow("process died");
    const pending = await crashing.find("customer:create", "ten_3");
    expect(pending).toMatchObject({
      state: "pending",
      stripeResourceId: null,
      lastError: "process died before recording",
    });

    // A new process (a fresh instance over the same table) retries.
    const retry = createStripeOperations({ db: t.db });
    const id = await retry.runOnce("customer:create", "ten_3", (idempotencyKey) => {
      expect(idempotencyKey).toBe(pending?.idempotencyKey);
      return stripe.customers.create({ email: "c@acme.test" }, { idempotencyKey });
    });
    expect(id).toBe("cus_1");
    expect(stripe.calls).toBe(2);
    expect(stripe.created).toHaveLength(1);
  });

  it("keeps operations and stable ids apart", async () => {
    const stripe = createCountingStripe();
    const ops = createStripeOperations({ db: t.db });
    const call = (op: string, id: string) =>
      ops.runOnce(op, id, (k) => stripe.customers.create({ email: `${op}/${id}` }, { idempotencyKey: k }));
    await call("customer:create", "ten_4");
    await call("customer:create", "ten_5");
    await call("checkout:create", "ten_4");
    expect(stripe.created).toHaveLength(3);
    expect(await t.db.$count(stripeOperations)).toBeGreaterThanOrEqual(3);
  });
});
