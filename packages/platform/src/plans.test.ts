import { loadPlanCatalog } from "@org/billing";
import { createMemoryStore, createRateLimiter } from "@org/ratelimit";
import { describe, expect, it } from "vitest";
import { createPlatformPlans, SELF_HOSTED_PLAN } from "./plans.js";

const catalog = loadPlanCatalog();
const defaultPlanId = catalog.defaultPlan.id;

/** How many of `attempts` simultaneous decisions a fresh limiter admits under `plans.policies(planId)`. */
async function admittedAtOnce(
  plans: ReturnType<typeof createPlatformPlans>,
  planId: string,
  attempts: number,
) {
  const limiter = createRateLimiter({ store: createMemoryStore() });
  const policies = plans.policies(planId);
  const decisions = await Promise.all(
    Array.from({ length: attempts }, () => limiter.limitWith("tenant", policies)),
  );
  return decisions.filter((d) => d.allowed).length;
}

describe("createPlatformPlans: the catalogue's plans as the pipeline uses them", () => {
  const plans = createPlatformPlans(catalog);

  it("gives every catalogue plan one limiter policy with the plan's rate per second and burst", () => {
    expect(catalog.plans.length).toBeGreaterThan(1);
    for (const plan of catalog.plans) {
      const policies = plans.policies(plan.id);
      expect(policies).toHaveLength(1);
      expect(policies[0]).toMatchObject({
        name: plan.id,
        rate: plan.rateLimit.perSecond,
        periodMs: 1_000,
        burst: plan.rateLimit.burst,
        emissionMs: 1_000 / plan.rateLimit.perSecond,
      });
    }
  });

  it("hands out the same policies array for the same plan, since the limiter caches by identity", () => {
    for (const plan of catalog.plans) expect(plans.policies(plan.id)).toBe(plans.policies(plan.id));
    const [first, second] = catalog.plans;
    expect(plans.policies(first!.id)).not.toBe(plans.policies(second!.id));
  });

  it("limits a tenant of an unknown plan by the catalogue's default plan, sharing its policies", () => {
    expect(plans.policies("no-such-plan")).toBe(plans.policies(defaultPlanId));
    expect(plans.metering("no-such-plan")).toEqual(plans.metering(defaultPlanId));
    expect(plans.metering("no-such-plan").id).toBe(defaultPlanId);
  });

  it("does not know self_hosted unless asked to: it is an unknown plan of the multi-tenant service", () => {
    expect(plans.policies(SELF_HOSTED_PLAN)).toBe(plans.policies(defaultPlanId));
    expect(plans.metering(SELF_HOSTED_PLAN).id).toBe(defaultPlanId);
  });

  it("gives metering each plan's quotas (finite ones only), its features and the catalogue's currency", () => {
    for (const plan of catalog.plans) {
      const view = plans.metering(plan.id);
      expect(view.id).toBe(plan.id);
      expect(view.currency).toBe(catalog.currency);
      for (const [meter, terms] of Object.entries(plan.meters)) {
        if (terms.limit === "none" || terms.included === null) expect(view.meters[meter]).toBeUndefined();
        else expect(view.meters[meter]).toMatchObject({ included: terms.included, limit: terms.limit });
      }
      expect(Object.keys(view.features).sort()).toEqual([...plan.features].sort());
      expect(Object.values(view.features).every((allowed) => allowed === true)).toBe(true);
    }
  });

  it("admits a plan's burst at once and refuses the next request (the policy the limiter really applies)", async () => {
    const plan = catalog.get(defaultPlanId)!;
    const burst = plan.rateLimit.burst;
    expect(await admittedAtOnce(plans, plan.id, burst + 5)).toBe(burst);
  });
});

describe("createPlatformPlans with selfHosted: the self-hosted organisation's plan", () => {
  const ratePerSecond = 8;
  const plans = createPlatformPlans(catalog, { selfHosted: { ratePerSecond } });

  it("limits self_hosted to the configured rate with a burst of twice that", async () => {
    expect(plans.policies(SELF_HOSTED_PLAN)).toEqual([
      expect.objectContaining({ name: SELF_HOSTED_PLAN, rate: ratePerSecond, burst: 2 * ratePerSecond }),
    ]);
    expect(await admittedAtOnce(plans, SELF_HOSTED_PLAN, 2 * ratePerSecond + 5)).toBe(2 * ratePerSecond);
  });

  it("gives self_hosted every feature of the catalogue and no quota on any meter", () => {
    const view = plans.metering(SELF_HOSTED_PLAN);
    const everyFeature = new Set(catalog.plans.flatMap((p) => p.features));
    expect(view).toMatchObject({ id: SELF_HOSTED_PLAN, currency: catalog.currency, meters: {} });
    expect(Object.keys(view.features).sort()).toEqual([...everyFeature].sort());
    expect(Object.values(view.features).every((allowed) => allowed === true)).toBe(true);
  });

  it("falls back to self_hosted, not to the catalogue's default plan, for an unknown plan id", () => {
    expect(plans.policies("no-such-plan")).toBe(plans.policies(SELF_HOSTED_PLAN));
    expect(plans.metering("no-such-plan").id).toBe(SELF_HOSTED_PLAN);
  });

  it("keeps serving the catalogue's plans by their own terms", () => {
    const other = catalog.plans.find((p) => p.rateLimit.perSecond !== ratePerSecond)!;
    expect(plans.policies(other.id)[0]).toMatchObject({ name: other.id, rate: other.rateLimit.perSecond });
    expect(plans.metering(other.id).id).toBe(other.id);
  });

  it("keeps a burst of at least one for a rate below one per second", () => {
    const slow = createPlatformPlans(catalog, { selfHosted: { ratePerSecond: 0.2 } });
    expect(slow.policies(SELF_HOSTED_PLAN)[0]).toMatchObject({ rate: 0.2, burst: 1 });
  });

  it("refuses a rate that cannot limit anything when the policy is first built", () => {
    const broken = createPlatformPlans(catalog, { selfHosted: { ratePerSecond: 0 } });
    expect(() => broken.policies(SELF_HOSTED_PLAN)).toThrow(/rate must be > 0/);
  });
});
