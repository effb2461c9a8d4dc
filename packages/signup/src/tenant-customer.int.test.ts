import { type BillingDeps, createStripeClient, loadPlanCatalog } from "@org/billing";
import { createStripeFake, type StripeFake } from "@org/stripe-fake";
import { createTestDb, type TestDb } from "@org/testing";
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOutboundOnce } from "./outbound-once.js";
import { signupBillingPort } from "./signup-billing-port.js";
import { createTenantCustomer } from "./tenant-customer.js";

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
});
