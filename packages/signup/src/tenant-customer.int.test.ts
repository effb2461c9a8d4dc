import { type BillingDeps, createStripeClient, loadPlanCatalog } from "@org/billing";
import { createStripeFake, type StripeFake } from "@org/stripe-fake";
import { createTestDb, type TestDb } from "@org/testing";
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOutboundOnce, readOutbound } from "./outbound-once.js";
import { signupBillingPort } from "./signup-billing-port.js";
import { createTenantCustomer, deleteTenantCustomer } from "./tenant-customer.js";

describe("the signup's customer step retried after Stripe forgot its key (24 h)", () => {
  let t: TestDb;
  let fake: StripeFake;
  let stripe: Stripe;
  const urls: BillingDeps["urls"] = {
    checkoutSuccess: "https://app.test/done",
    checkoutCancel: "https://app.test/cancel",
    portalReturn: "https://app.test/",
  };

  beforeAll(async () => {
    t = await createTestDb();
    fake = createStripeFake({ webhookSecret: "whsec_signup_customer" });
    await fake.start(0);
    stripe = createStripeClient({ secretKey: "sk_test_signup", apiBase: fake.url, maxNetworkRetries: 0 });
  });
  afterAll(async () => {
    await fake?.stop();
    await t?.cleanup();
  });

  const customersOf = async (tenantId: string) =>
    (await stripe.customers.search({ query: `metadata['tenant_id']:'${tenantId}'` })).data;

  it("finds the customer made by a call whose answer was lost instead of failing or making a second one", async () => {
    const deps = {
      billing: signupBillingPort({ stripe, catalog: loadPlanCatalog(), urls }),
      // The operations' clock is the stand-in's: a key is as old as Stripe thinks it is.
      once: createOutboundOnce(t.db, { now: () => new Date(fake.clock.now() * 1000) }),
    };
    const input = { email: "owner@lost.test", name: "Lost Answer" };
    // The SDK retries a closed connection once on its own: lose that answer too.
    fake.faults.dropResponseNext(2, { path: "/v1/customers", method: "POST" });
    await expect(createTenantCustomer(deps, "ten_lost_answer", input)).rejects.toThrow();
    const [made] = await customersOf("ten_lost_answer");
    expect(made).toBeDefined();

    fake.clock.advance(25 * 3_600_000);
    expect(await createTenantCustomer(deps, "ten_lost_answer", input)).toBe(made!.id);
    expect(await customersOf("ten_lost_answer")).toHaveLength(1);
  });

  it("deletes an abandoned signup's customer whose creation answer was lost, after Stripe forgot the key", async () => {
    const clock = () => new Date(fake.clock.now() * 1000);
    const deps = {
      db: t.db,
      billing: signupBillingPort({ stripe, catalog: loadPlanCatalog(), urls }),
      once: createOutboundOnce(t.db, { now: clock }),
      now: clock,
    };
    const input = { email: "owner@forgotten.test", name: "Forgotten" };
    fake.faults.dropResponseNext(2, { path: "/v1/customers", method: "POST" });
    await expect(createTenantCustomer(deps, "ten_forgotten", input)).rejects.toThrow();
    const [made] = await customersOf("ten_forgotten");
    expect(made).toBeDefined();
    expect(await readOutbound(t.db, "customer:create", "ten_forgotten")).toMatchObject({ resourceId: null });

    // The sweeper comes a day later: replaying the forgotten key would make a second customer.
    fake.clock.advance(25 * 3_600_000);
    await deleteTenantCustomer(deps, "ten_forgotten", input);
    expect(fake.store.wasDeleted(made!.id)).toBe("customer");
    expect(await customersOf("ten_forgotten")).toEqual([]);
    expect(fake.store.all("customer").filter((c) => c.email === input.email)).toEqual([]);
    expect(await readOutbound(t.db, "customer:create", "ten_forgotten")).toBeUndefined();
  });

  it("finds the tenant's customer by email when search fails, never another tenant's with that email", async () => {
    const port = signupBillingPort({ stripe, catalog: loadPlanCatalog(), urls });
    const email = "shared@both.test";
    const other = await port.createCustomer({
      tenantId: "ten_other",
      email,
      name: "Other",
      idempotencyKey: "k-other",
    });
    const ours = await port.createCustomer({
      tenantId: "ten_ours",
      email,
      name: "Ours",
      idempotencyKey: "k-ours",
    });
    fake.faults.failNext(1, { path: "/v1/customers/search", method: "GET" });
    expect(await port.findCustomer!("ten_ours", { email })).toEqual({ id: ours.id });
    fake.faults.failNext(1, { path: "/v1/customers/search", method: "GET" });
    expect(await port.findCustomer!("ten_nobody", { email })).toBeNull();
    expect(other.id).not.toBe(ours.id);
    // Without the email there is nothing to fall back on: the search failure is the answer.
    fake.faults.failNext(1, { path: "/v1/customers/search", method: "GET" });
    await expect(port.findCustomer!("ten_ours")).rejects.toThrow();
  });
});
