import { describe, expect, it } from "vitest";
import { loadPlanCatalog } from "./catalog.js";
import { meteringPlanSchema } from "./metering-view.js";
import { createPlanViews, SELF_HOSTED_PLAN } from "./plan-views.js";

const catalog = loadPlanCatalog();

describe("the plan views of the catalogue", () => {
  const views = createPlanViews(catalog);

  it("gives each plan its rate per second and burst", () => {
    expect(views.rateLimit("free")).toEqual({ name: "free", rate: 10, periodMs: 1_000, burst: 20 });
    expect(views.rateLimit("pro")).toEqual({ name: "pro", rate: 100, periodMs: 1_000, burst: 200 });
  });

  it("answers the default plan for an unknown plan id, the same object every time", () => {
    expect(views.rateLimit("gone")).toBe(views.rateLimit("free"));
    expect(views.metering("gone")).toBe(views.metering("free"));
  });

  it("derives metering views that the metering schema accepts unchanged", () => {
    for (const plan of catalog.plans) {
      const view = views.metering(plan.id);
      expect(meteringPlanSchema.parse(view)).toEqual(view);
    }
  });
});

describe("the self-hosted plan", () => {
  const views = createPlanViews(catalog, { selfHosted: { ratePerSecond: 1_000 } });

  it("has every feature of the catalogue, no quotas and a burst of twice the rate", () => {
    expect(views.rateLimit(SELF_HOSTED_PLAN)).toMatchObject({ rate: 1_000, burst: 2_000 });
    expect(views.metering(SELF_HOSTED_PLAN)).toEqual({
      id: SELF_HOSTED_PLAN,
      currency: "usd",
      meters: {},
      features: { audit_log_export: true, sso: true, webhooks: true },
    });
  });

  it("is the fallback of an unknown plan id", () => {
    expect(views.metering("gone").id).toBe(SELF_HOSTED_PLAN);
  });
});

describe("the metering schema", () => {
  it("refuses a meter without a finite quota, which only the catalogue may declare", () => {
    expect(
      meteringPlanSchema.safeParse({ id: "free", meters: { seats: { included: null, limit: "none" } } })
        .success,
    ).toBe(false);
  });
});
