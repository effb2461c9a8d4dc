/**
 * Takeover safety: an attempt that stalls after making the Stripe customer, whose signup a retry of
 * the same request then resumes, must not undo the resumed attempt's tenant, customer or
 * organisation when it wakes up and fails. The interleaving is forced with gates, not timing.
 * Real Postgres, the Stripe stand-in over HTTP through the official SDK.
 */
import { type BillingDeps, createStripeClient, loadPlanCatalog } from "@org/billing";
import { apiKeys as apiKeyRows, stripeOperations, tenants } from "@org/db";
import { type ApiKeyService, createApiKeyService, createLocalBus } from "@org/multitenancy";
import { createStripeFake, type StripeFake } from "@org/stripe-fake";
import { createTestDb, type TestDb } from "@org/testing";
import { eq } from "drizzle-orm";
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BillingPort,
  createSignup,
  type IdentityPort,
  type SignupOutcome,
  signupBillingPort,
  signupTenantId,
} from "../src/index.js";

let t: TestDb;
let fake: StripeFake;
let stripe: Stripe;
let billing: BillingPort;
let apiKeys: ApiKeyService;
const bus = createLocalBus();

beforeAll(async () => {
  t = await createTestDb();
  fake = createStripeFake({ webhookSecret: "whsec_signup_takeover" });
  await fake.start(0);
  stripe = createStripeClient({ secretKey: "sk_test_takeover", apiBase: fake.url, maxNetworkRetries: 0 });
  const urls: BillingDeps["urls"] = {
    checkoutSuccess: "https://app.test/done",
    checkoutCancel: "https://app.test/cancel",
    portalReturn: "https://app.test/",
  };
  billing = signupBillingPort({ stripe, catalog: loadPlanCatalog(), urls });
  apiKeys = createApiKeyService({ db: t.db, bus });
});
afterAll(async () => {
  await fake?.stop();
  await t?.cleanup();
});

/** A promise and the function that settles it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

/** One identity provider shared by both attempts (organisations are keyed by tenant id). */
function identityProvider() {
  const orgs = new Set<string>();
  const port = (failCreate: () => boolean): IdentityPort => ({
    async createOrganization({ tenantId }) {
      if (failCreate()) throw new Error("identity provider 503");
      orgs.add(tenantId);
    },
    async deleteOrganization(tenantId) {
      orgs.delete(tenantId);
    },
  });
  return { orgs, port };
}

const input = (slug: string) => ({
  name: slug,
  slug,
  email: `owner@${slug}.test`,
  plan: "free",
  interval: "month" as const,
});
const tenantRow = async (id: string) => (await t.db.select().from(tenants).where(eq(tenants.id, id)))[0];
const customerIsLive = async (id: string) =>
  !((await stripe.customers.retrieve(id)) as { deleted?: boolean }).deleted;

/**
 * Attempt A runs until its customer exists, then stalls until `wakeA`; once woken, its identity
 * step fails (an outage), so it compensates. Attempt B is the client's retry of the same request
 * (same Idempotency-Key: same tenant id), which resumes the idle pending row; `bAfterCustomer`
 * runs after B's customer step.
 */
function attempts(slug: string, bAfterCustomer: () => Promise<void> = async () => {}) {
  const key = `key-${slug}`;
  const tenantId = signupTenantId(key, input(slug));
  const { orgs, port } = identityProvider();
  const aStalled = gate();
  const wakeA = gate();
  let aAwake = false;
  const a = createSignup({
    db: t.db,
    bus,
    apiKeys,
    billing,
    identity: port(() => aAwake),
    hooks: {
      async afterStep(name) {
        if (name !== "customer") return;
        aStalled.open();
        await wakeA.opened;
        aAwake = true;
      },
    },
  });
  const b = createSignup({
    db: t.db,
    bus,
    apiKeys,
    billing,
    identity: port(() => false),
    // B resumes a pending row idle this long: A is parked on a gate, so its row is idle.
    resumeAfterMs: 5,
    hooks: {
      async afterStep(name) {
        if (name === "customer") await bAfterCustomer();
      },
    },
  });
  return {
    tenantId,
    orgs,
    aStalled: aStalled.opened,
    wakeA: wakeA.open,
    runA: () => a.run(input(slug), { requestKey: key }),
    runB: async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return b.run(input(slug), { requestKey: key });
    },
  };
}

const value = (outcome: SignupOutcome) => {
  if (!outcome.ok) throw new Error(`signup refused: ${outcome.reason}`);
  return outcome.value;
};

describe("a stalled signup attempt waking after a retry took its signup over", () => {
  it("leaves the resumed attempt's active tenant, Stripe customer, organisation and key alone", async () => {
    const run = attempts("takeover-done");
    const a = run.runA();
    await run.aStalled;
    const customerId = (await tenantRow(run.tenantId))?.stripeCustomerId;
    expect(customerId).toMatch(/^cus_/);

    // B resumes the row and finishes, reusing A's customer through its customer:create record.
    const b = value(await run.runB());
    expect(b.tenant).toMatchObject({ id: run.tenantId, status: "active", stripeCustomerId: customerId });

    run.wakeA();
    // A fails on the identity outage and compensates: only what it still owns.
    expect(await a).toMatchObject({ ok: false, reason: "step_failed", step: "identity", compensated: true });

    expect(await tenantRow(run.tenantId)).toMatchObject({ status: "active", stripeCustomerId: customerId });
    expect(await customerIsLive(customerId!)).toBe(true);
    expect([...run.orgs]).toEqual([run.tenantId]);
    const records = await t.db
      .select()
      .from(stripeOperations)
      .where(eq(stripeOperations.stableId, run.tenantId));
    expect(records).toMatchObject([{ operation: "customer:create", stripeResourceId: customerId }]);
    expect(await apiKeys.verify(b.apiKey.secret)).toMatchObject({ tenantId: run.tenantId });
  });

  it("cannot delete the pending row of a resumed attempt still running; that attempt then activates", async () => {
    const bParked = gate();
    const releaseB = gate();
    const run = attempts("takeover-running", async () => {
      bParked.open();
      await releaseB.opened;
    });
    const a = run.runA();
    await run.aStalled;
    const customerId = (await tenantRow(run.tenantId))?.stripeCustomerId;
    const b = run.runB();
    await bParked.opened; // B holds the row (pending) and has adopted the customer

    run.wakeA();
    expect(await a).toMatchObject({ ok: false, reason: "step_failed", step: "identity", compensated: true });
    // A's compensations ran while B was mid-saga: B's pending row and customer survived them.
    expect(await tenantRow(run.tenantId)).toMatchObject({ status: "pending", stripeCustomerId: customerId });
    expect(await customerIsLive(customerId!)).toBe(true);

    releaseB.open();
    const done = value(await b);
    expect(done.tenant).toMatchObject({ id: run.tenantId, status: "active", stripeCustomerId: customerId });
    expect(await customerIsLive(customerId!)).toBe(true);
    expect([...run.orgs]).toEqual([run.tenantId]);
    const keys = await t.db.select().from(apiKeyRows).where(eq(apiKeyRows.tenantId, run.tenantId));
    expect(keys.map((k) => k.id)).toEqual([done.apiKey.id]);
  });

  it("still undoes its own customer when the sweeper removed its row while it stalled (nobody owns it)", async () => {
    const run = attempts("takeover-swept");
    const a = run.runA();
    await run.aStalled;
    const row = await tenantRow(run.tenantId);
    // The sweeper's own compensation of the row, minus the customer it could not delete (an outage).
    await t.db.delete(tenants).where(eq(tenants.id, run.tenantId));
    run.wakeA();
    expect(await a).toMatchObject({ ok: false, reason: "step_failed", compensated: true });
    expect(await customerIsLive(row!.stripeCustomerId!)).toBe(false);
  });
});
