/** Fault injection at every step of the signup saga, then the sweeper: no orphan survives. */
import { tenants } from "@org/db";
import { type ApiKeyService, createApiKeyService, createLocalBus } from "@org/multitenancy";
import { createTestDb, type TestDb } from "@org/testing";
import { eq, isNotNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createSignup,
  createSweeper,
  type IdentityPort,
  type SignupOutcome,
  type SignupStepErrorInfo,
} from "../src/index.js";
import { createFakeBilling, type FakeBilling, type Fault } from "./fake-billing.js";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(() => t.cleanup());

const succeeded = (outcome: SignupOutcome) => {
  if (!outcome.ok) throw new Error(`signup refused: ${outcome.reason}`);
  return outcome.value;
};

let n = 0;
function setup(options: { identityFails?: boolean; keyFails?: boolean } = {}) {
  const billing = createFakeBilling();
  const bus = createLocalBus();
  const realKeys = createApiKeyService({ db: t.db, bus });
  const apiKeys: ApiKeyService = options.keyFails
    ? { ...realKeys, create: async () => Promise.reject(new Error("key store down")) }
    : realKeys;
  const orgs = new Set<string>();
  const identity: IdentityPort = {
    async createOrganization({ tenantId }) {
      orgs.add(tenantId);
      if (options.identityFails) throw new Error("identity provider 500");
    },
    async deleteOrganization(tenantId) {
      orgs.delete(tenantId);
    },
  };
  const stepErrors: [unknown, SignupStepErrorInfo][] = [];
  const signup = createSignup({
    db: t.db,
    bus,
    billing,
    apiKeys,
    identity,
    stepTimeoutMs: 400,
    onStepError: (error, info) => stepErrors.push([error, info]),
  });
  const sweeper = createSweeper({
    db: t.db,
    billing,
    identity,
    stepTimeoutMs: 400,
    now: () => new Date(Date.now() + 3_600_000),
  });
  const slug = `fault-${++n}`;
  return { billing, signup, sweeper, slug, orgs, stepErrors };
}

/** The invariant: no pending tenant; every live customer belongs to a tenant that names it. */
async function assertNoOrphans(billing: FakeBilling, orgs: Set<string>) {
  const pending = await t.db.select().from(tenants).where(eq(tenants.status, "pending"));
  expect(pending).toEqual([]);
  const withCustomer = await t.db.select().from(tenants).where(isNotNull(tenants.stripeCustomerId));
  const owned = new Set(withCustomer.map((r) => r.stripeCustomerId));
  expect(billing.live().filter((id) => !owned.has(id))).toEqual([]);
  const ids = new Set((await t.db.select({ id: tenants.id }).from(tenants)).map((r) => r.id));
  expect([...orgs].filter((id) => !ids.has(id))).toEqual([]);
}

const input = (slug: string, plan = "pro") => ({
  name: slug,
  slug,
  email: `${slug}@x.test`,
  plan,
  interval: "month" as const,
});

describe("signup saga under faults", () => {
  const cases: [string, "createCustomer" | "createCheckoutSession", Fault][] = [];
  for (const op of ["createCustomer", "createCheckoutSession"] as const) {
    for (const fault of ["error", "timeout", "error_after_effect"] as const)
      cases.push([`${op} ${fault}`, op, fault]);
  }

  it.each(cases)(
    "%s: the signup fails cleanly, nothing is left, the slug is free again",
    async (_, op, fault) => {
      const { billing, signup, sweeper, slug, orgs } = setup();
      billing.faults[op] = [fault];
      await expect(signup.run(input(slug))).resolves.toMatchObject({ ok: false, reason: "billing_failed" });
      // Compensation ran inline: usually nothing is left even before the sweeper.
      await sweeper.sweep();
      await assertNoOrphans(billing, orgs);
      expect(billing.live()).toEqual([]);
      const again = succeeded(await signup.run(input(slug)));
      expect(again.tenant.status).toBe("active");
      await assertNoOrphans(billing, orgs);
    },
  );

  it.each(["error", "timeout"] as const)(
    "deleteCustomer %s during compensation: the tenant stays pending, the sweeper finishes the cleanup",
    async (fault) => {
      const { billing, signup, sweeper, slug, orgs } = setup();
      billing.faults.createCheckoutSession = ["error"];
      billing.faults.deleteCustomer = [fault];
      await expect(signup.run(input(slug))).resolves.toMatchObject({ ok: false, reason: "billing_failed" });
      const [left] = await t.db.select().from(tenants).where(eq(tenants.slug, slug));
      expect(left?.status).toBe("pending"); // the slug stays reserved while a customer may point at it
      expect(left?.stripeCustomerId).toBeTruthy();
      // "error": the customer is still live; "timeout": Stripe deleted it but never said so.
      expect(billing.live()).toHaveLength(fault === "error" ? 1 : 0);
      const swept = await sweeper.sweep();
      expect(swept.compensated).toContain(left?.id);
      await assertNoOrphans(billing, orgs);
      expect(billing.live()).toEqual([]);
    },
  );

  it("a failed cache invalidation after activation leaves the signup done: key and customer kept", async () => {
    const billing = createFakeBilling();
    const bus = { ...createLocalBus(), publish: async () => Promise.reject(new Error("redis down")) };
    const apiKeys = createApiKeyService({ db: t.db, bus: createLocalBus() });
    const signup = createSignup({ db: t.db, bus, billing, apiKeys, stepTimeoutMs: 400 });
    const slug = `fault-${++n}`;
    const result = succeeded(await signup.run(input(slug)));
    expect(result.tenant.status).toBe("active");
    expect(billing.live()).toEqual([result.tenant.stripeCustomerId]);
    expect(await apiKeys.verify(result.apiKey.secret)).toMatchObject({ tenantId: result.tenant.id });
  });

  it("identity provider failure: step_failed, not a billing failure; customer deleted, organisation removed, slug freed", async () => {
    const { billing, signup, slug, orgs, stepErrors } = setup({ identityFails: true });
    await expect(signup.run(input(slug, "free"))).resolves.toEqual({
      ok: false,
      reason: "step_failed",
      step: "identity",
      compensated: true,
      retryAfterMs: 1_000,
      detail: expect.stringContaining("identity"),
    });
    await assertNoOrphans(billing, orgs);
    expect(billing.calls.deleteCustomer).toBe(1);
    expect(stepErrors).toEqual([
      [
        expect.objectContaining({ message: "identity provider 500" }),
        expect.objectContaining({ step: "identity", slug, compensated: true }),
      ],
    ]);
  });

  it("API key step failure: step_failed with the cause passed to onStepError, everything before it undone", async () => {
    const { billing, signup, slug, orgs, stepErrors } = setup({ keyFails: true });
    await expect(signup.run(input(slug, "free"))).resolves.toMatchObject({
      ok: false,
      reason: "step_failed",
      step: "api_key",
      compensated: true,
    });
    expect(stepErrors.map(([error, info]) => [(error as Error).message, info.step])).toEqual([
      ["key store down", "api_key"],
    ]);
    await assertNoOrphans(billing, orgs);
    expect(await t.db.select().from(tenants).where(eq(tenants.slug, slug))).toEqual([]);
  });

  it("the sweeper leaves fresh pending tenants (a signup in progress) alone", async () => {
    const { billing } = setup();
    const sweeper = createSweeper({ db: t.db, billing });
    await t.db
      .insert(tenants)
      .values({ id: "ten_fresh", slug: "fresh-pending", name: "x", email: "x@x.test", plan: "free" });
    expect((await sweeper.sweep()).compensated).toEqual([]);
    await t.db.delete(tenants).where(eq(tenants.id, "ten_fresh"));
  });

  it("two sweepers racing compensate each abandoned tenant once", async () => {
    const { billing, signup, slug, orgs } = setup();
    billing.faults.createCheckoutSession = ["error"];
    billing.faults.deleteCustomer = ["error"];
    await expect(signup.run(input(slug))).resolves.toMatchObject({ ok: false });
    const s1 = createSweeper({ db: t.db, billing, now: () => new Date(Date.now() + 3_600_000) });
    const s2 = createSweeper({ db: t.db, billing, now: () => new Date(Date.now() + 3_600_000) });
    const [r1, r2] = await Promise.all([s1.sweep(), s2.sweep()]);
    expect(r1.compensated.length + r2.compensated.length).toBe(1);
    await assertNoOrphans(billing, orgs);
  });

  it("a new signup takes the slug of an abandoned (stale pending) signup, cleaning it up first", async () => {
    const { billing, signup, slug, orgs } = setup();
    billing.faults.createCheckoutSession = ["error"];
    billing.faults.deleteCustomer = ["error"];
    await expect(signup.run(input(slug))).resolves.toMatchObject({ ok: false });
    const [abandoned] = await t.db.select().from(tenants).where(eq(tenants.slug, slug));
    expect(abandoned?.status).toBe("pending");
    // Fresh: the slug is still held (the first signup might be running).
    await expect(signup.run(input(slug))).resolves.toMatchObject({ ok: false, reason: "slug_taken" });
    await t.db
      .update(tenants)
      .set({ updatedAt: new Date(Date.now() - 3_600_000) })
      .where(eq(tenants.id, abandoned!.id));
    const taken = succeeded(await signup.run(input(slug, "free")));
    expect(taken.tenant.id).not.toBe(abandoned?.id);
    expect(billing.customers.get(abandoned!.stripeCustomerId!)?.deleted).toBe(true);
    await assertNoOrphans(billing, orgs);
  });
});
