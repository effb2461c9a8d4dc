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

  it("creates one Stripe resource when called concurrently: one process makes one call", async () => {
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
    expect(stripe.calls).toBe(1); // concurrent callers of one process share the call
  });

  it("waits out Stripe's 409 idempotency_key_in_use from another process, then gets the replay", async () => {
    // Two processes: each its own runOnce. Stripe answers the second 409 while the first is in flight,
    // as Stripe does (and its SDK, with network retries off, throws).
    let release!: () => void;
    const firstDone = new Promise<void>((r) => {
      release = r;
    });
    const byKey = new Map<string, string>();
    let inFlight: string | undefined;
    let refused = 0;
    const stripe = async (key: string): Promise<{ id: string }> => {
      const done = byKey.get(key);
      if (done) return { id: done };
      if (inFlight === key) {
        refused++;
        throw Object.assign(new Error("in use"), { statusCode: 409, code: "idempotency_key_in_use" });
      }
      inFlight = key;
      await firstDone;
      byKey.set(key, "cus_only");
      inFlight = undefined;
      return { id: "cus_only" };
    };
    const a = createStripeOperations({ db: t.db });
    const b = createStripeOperations({ db: t.db, inUseBackoffMs: [20, 20, 20, 20, 20, 20, 20, 20] });
    const first = a.runOnce("customer:create", "ten_409", stripe);
    while (inFlight === undefined) await new Promise((r) => setTimeout(r, 5));
    const second = b.runOnce("customer:create", "ten_409", stripe);
    while (refused === 0) await new Promise((r) => setTimeout(r, 5));
    release();
    expect(await Promise.all([first, second])).toEqual(["cus_only", "cus_only"]);
    expect(refused).toBeGreaterThan(0);
    expect(byKey.size).toBe(1);
  });

  it("gives up on a key still in use after its backoff, and on any other error at once", async () => {
    const ops = createStripeOperations({ db: t.db, inUseBackoffMs: [1, 1] });
    let calls = 0;
    const inUse = Object.assign(new Error("in use"), { statusCode: 409, code: "idempotency_key_in_use" });
    await expect(
      ops.runOnce("customer:create", "ten_busy", async () => {
        calls++;
        throw inUse;
      }),
    ).rejects.toBe(inUse);
    expect(calls).toBe(3);
    calls = 0;
    await expect(
      ops.runOnce("customer:create", "ten_other", async () => {
        calls++;
        throw Object.assign(new Error("card declined"), { statusCode: 402 });
      }),
    ).rejects.toThrow("card declined");
    expect(calls).toBe(1);
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
