/**
 * Signup retried with the same Idempotency-Key after a compensation ends with exactly one live
 * Stripe customer, the one on the tenant; and a sweeper's claim and a late activation never both win.
 * Real `stripe` SDK against the Stripe stand-in, its fault injection, real Postgres.
 */

import { Writable } from "node:stream";
import { stripeOperations, tenants } from "@org/db";
import { createLogger } from "@org/server-kit";
import {
  createSignup,
  createSweeper,
  type SagaHooks,
  type Sweeper,
  signupBillingPort,
  signupTenantId,
} from "@org/signup";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE, type CloudHarness, createCloudHarness } from "../test/harness.js";

let h: CloudHarness;
/** What cloud-api logged at error level, one parsed JSON line each. */
const logged: Record<string, unknown>[] = [];
beforeAll(async () => {
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split("\n").filter(Boolean)) logged.push(JSON.parse(line));
      callback();
    },
  });
  h = await createCloudHarness({
    logger: createLogger({ service: "cloud-test", level: "error", destination }),
  });
});
afterAll(() => h?.close());

const input = (slug: string) => ({
  name: slug,
  slug,
  email: `owner@${slug}.test`,
  plan: "pro",
  interval: "month" as const,
});

const post = (slug: string, key: string) =>
  h.app.request(`http://${BASE}/v1/tenants`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "Idempotency-Key": key },
    body: JSON.stringify(input(slug)),
  });

/** Customers the stand-in still holds (it forgets deleted ones) that were made for this tenant. */
const liveCustomersOf = (tenantId: string) =>
  h.fake.store
    .all("customer")
    .filter((c) => c.metadata?.tenant_id === tenantId)
    .map((c) => c.id);

const tenantRow = async (tenantId: string) =>
  (await h.deps.db.select().from(tenants).where(eq(tenants.id, tenantId)))[0];

/** The end state every retried signup must reach: active, one live customer, the recorded one. */
async function expectOneLiveCustomer(tenantId: string, checkoutUrl?: string) {
  const row = await tenantRow(tenantId);
  expect(row?.status).toBe("active");
  expect(liveCustomersOf(tenantId)).toEqual([row!.stripeCustomerId]);
  if (checkoutUrl) {
    const sessionId = checkoutUrl.match(/cs_[A-Za-z0-9_]+/)![0];
    expect(h.fake.store.get("checkout.session", sessionId)?.customer).toBe(row!.stripeCustomerId);
  }
}

/** Signs up through POST /v1/tenants, expects the failure, then retries with the same key. */
async function failThenRetry(slug: string, key: string, between: () => Promise<void> = async () => {}) {
  const failed = await post(slug, key);
  expect(failed.status).toBeGreaterThanOrEqual(500);
  expect(failed.headers.get("content-type")).toContain("application/problem+json");
  await between();
  const retried = await post(slug, key);
  expect(retried.status).toBe(201);
  const body = (await retried.json()) as { tenant: { id: string }; checkoutUrl?: string };
  expect(body.tenant.id).toBe(signupTenantId(key, input(slug)));
  return body;
}

describe("POST /v1/tenants retried with the same Idempotency-Key after a compensation", () => {
  it("after a checkout fault: one live customer, the tenant's, and a session of that customer", async () => {
    // More failures than the SDK's own retries, so the saga sees the error and compensates.
    h.fake.faults.failNext(3, { path: "/v1/checkout/sessions", method: "POST" });
    const body = await failThenRetry("retry-checkout", "key-retry-checkout");
    expect(body.checkoutUrl).toBeTruthy();
    await expectOneLiveCustomer(body.tenant.id, body.checkoutUrl);
  });

  it("after an activation fault: one live customer, the tenant's", async () => {
    const slug = "retry-activate";
    const db = h.deps.db;
    // A Postgres fault in the activation step only: the UPDATE that makes this slug's tenant active.
    await db.execute(sql`
      create function fail_activation() returns trigger language plpgsql as $$
      begin raise exception 'activation fault injected'; end $$`);
    await db.execute(sql`
      create trigger fail_activation before update on tenants for each row
      when (new.status = 'active' and old.status = 'pending' and new.slug = 'retry-activate')
      execute function fail_activation()`);
    const failed = await post(slug, "key-retry-activate");
    // Not a 500: a dependency failed, the steps were undone, the client is told when to retry.
    expect(failed.status).toBe(503);
    expect(failed.headers.get("retry-after")).toBe("1");
    expect(await failed.json()).toMatchObject({ code: "service_unavailable" });
    // The cause went to cloud-api's logger.
    expect(logged.filter((line) => line.msg === "signup.step_failed" && line.slug === slug)).toEqual([
      expect.objectContaining({
        step: "activate",
        slug,
        compensated: true,
        err: expect.objectContaining({ message: expect.stringContaining('update "tenants"') }),
      }),
    ]);
    const body = await failThenRetry(slug, "key-retry-activate", async () => {
      await db.execute(sql`drop trigger fail_activation on tenants`);
      await db.execute(sql`drop function fail_activation()`);
    });
    await expectOneLiveCustomer(body.tenant.id, body.checkoutUrl);
  });

  it("after the sweeper compensated a signup whose own compensation failed: one live customer", async () => {
    const slug = "retry-swept";
    const key = "key-retry-swept";
    const tenantId = signupTenantId(key, input(slug));
    h.fake.faults.failNext(3, { path: "/v1/checkout/sessions", method: "POST" });
    h.fake.faults.failNext(3, { path: "/v1/customers/", method: "DELETE" });
    const body = await failThenRetry(slug, key, async () => {
      const left = await tenantRow(tenantId);
      expect(left?.status).toBe("pending"); // the customer is still live: the slug stays held
      expect(liveCustomersOf(tenantId)).toEqual([left!.stripeCustomerId]);
      await h.deps.db
        .update(tenants)
        .set({ updatedAt: new Date(Date.now() - 3_600_000) })
        .where(eq(tenants.id, tenantId));
      expect((await h.deps.sweeper.sweep()).compensated).toEqual([tenantId]);
      expect(liveCustomersOf(tenantId)).toEqual([]);
    });
    await expectOneLiveCustomer(body.tenant.id, body.checkoutUrl);
  });

  it("the compensation retires the customer:create record, so no retry can get the deleted customer back", async () => {
    const slug = "retry-retired";
    const key = "key-retry-retired";
    const tenantId = signupTenantId(key, input(slug));
    h.fake.faults.failNext(3, { path: "/v1/checkout/sessions", method: "POST" });
    expect((await post(slug, key)).status).toBe(502);
    const records = await h.deps.db
      .select()
      .from(stripeOperations)
      .where(eq(stripeOperations.stableId, tenantId));
    expect(records).toEqual([]);
  });
});

describe("the sweeper's claim blocks a late activation", () => {
  /**
   * A signup whose saga stops after the checkout step (just before activation) to let `between`
   * run, and a sweeper whose Stripe deletion waits for `releaseDelete` once it has claimed the row.
   */
  function racing(between: (tenantId: string) => Promise<void>) {
    const port = signupBillingPort(h.deps.billing!);
    let claimed!: () => void;
    const claimedSignal = new Promise<void>((resolve) => {
      claimed = resolve;
    });
    let releaseDelete!: () => void;
    const deleteGate = new Promise<void>((resolve) => {
      releaseDelete = resolve;
    });
    const sweeper: Sweeper = createSweeper({
      db: h.deps.db,
      billing: {
        ...port,
        async deleteCustomer(customerId) {
          claimed();
          await deleteGate;
          await port.deleteCustomer(customerId);
        },
      },
      now: () => new Date(Date.now() + 3_600_000),
    });
    let tenantId = "";
    const hooks: SagaHooks = {
      async afterStep(name) {
        if (name === "checkout") await between(tenantId);
      },
    };
    const signup = createSignup({
      db: h.deps.db,
      bus: h.deps.bus,
      apiKeys: h.deps.apiKeys,
      billing: port,
      hooks,
    });
    const run = (slug: string, key: string) => {
      tenantId = signupTenantId(key, input(slug));
      return signup.run(input(slug), { requestKey: key });
    };
    return { sweeper, run, claimedSignal, releaseDelete, signup };
  }

  it("sweeper first: once it has claimed the row, the signup cannot activate; a retry then succeeds", async () => {
    const slug = "race-sweeper-first";
    const key = "key-race-sweeper-first";
    let sweeping: Promise<boolean> | undefined;
    const race = racing(async (tenantId) => {
      const row = await tenantRow(tenantId);
      sweeping = race.sweeper.compensate(row!);
      await race.claimedSignal; // claimed, now deleting the customer: activation comes now
    });
    const outcome = race.run(slug, key).then(
      (result) => (result.ok ? "activated" : "refused"),
      () => "refused",
    );
    // The refused signup compensates on its own; the sweeper finishes its deletion after that.
    expect(await outcome).toBe("refused");
    race.releaseDelete();
    expect(await sweeping).toBe(true);
    const tenantId = signupTenantId(key, input(slug));
    expect(await tenantRow(tenantId)).toBeUndefined();
    expect(liveCustomersOf(tenantId)).toEqual([]);

    const retried = await createSignup({
      db: h.deps.db,
      bus: h.deps.bus,
      apiKeys: h.deps.apiKeys,
      billing: signupBillingPort(h.deps.billing!),
    }).run(input(slug), { requestKey: key });
    if (!retried.ok) throw new Error(`retry refused: ${retried.reason}`);
    await expectOneLiveCustomer(retried.value.tenant.id, retried.value.checkoutUrl);
  });

  it("activation first: the sweeper's claim on the stale snapshot fails and the customer stays", async () => {
    const slug = "race-activation-first";
    const key = "key-race-activation-first";
    let snapshot: Awaited<ReturnType<typeof tenantRow>>;
    const race = racing(async (tenantId) => {
      snapshot = await tenantRow(tenantId);
    });
    race.releaseDelete();
    const result = await race.run(slug, key);
    if (!result.ok) throw new Error(`signup refused: ${result.reason}`);
    expect(await race.sweeper.compensate(snapshot!)).toBe(false);
    await expectOneLiveCustomer(result.value.tenant.id, result.value.checkoutUrl);
  });

  it("at once, 20 times: exactly one of them wins each time, and the outcome is consistent", async () => {
    for (let i = 0; i < 20; i++) {
      const slug = `race-at-once-${i}`;
      const key = `key-race-at-once-${i}`;
      let sweeping: Promise<boolean> | undefined;
      const race = racing(async (tenantId) => {
        const row = await tenantRow(tenantId);
        sweeping = race.sweeper.compensate(row!); // not awaited: the claim races the activation
      });
      race.releaseDelete();
      const activated = await race.run(slug, key).then(
        (result) => result.ok,
        () => false,
      );
      const swept = await sweeping!;
      expect(activated !== swept).toBe(true);
      const tenantId = signupTenantId(key, input(slug));
      if (activated) {
        await expectOneLiveCustomer(tenantId);
      } else {
        expect(await tenantRow(tenantId)).toBeUndefined();
        expect(liveCustomersOf(tenantId)).toEqual([]);
      }
    }
  });
});
