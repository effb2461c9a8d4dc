import { describe, expect, it } from "vitest";
import { ENTITLEMENT_TABLE, entitlementFor } from "./entitlement-policy.js";

const now = new Date("2026-11-23T12:00:00Z");
const day = 86_400_000;
const base = { plan: "pro", now, graceMs: 7 * day, defaultPlan: "free" };

describe("entitlement by subscription status", () => {
  it.each([
    ["active", "pro", "entitled"],
    ["trialing", "pro", "entitled"],
    ["unpaid", "free", "restricted"],
    ["canceled", "free", "restricted"],
    ["incomplete_expired", "free", "restricted"],
    ["paused", "free", "restricted"],
    ["incomplete", "free", "pending"],
    ["some_future_status", "free", "restricted"],
  ])("%s -> plan %s (%s)", (status, plan, state) => {
    expect(entitlementFor({ ...base, status })).toMatchObject({ plan, state });
  });

  it("keeps the plan of a past_due subscription during the grace period, then restricts", () => {
    const inGrace = entitlementFor({
      ...base,
      status: "past_due",
      pastDueSince: new Date(now.getTime() - 3 * day),
    });
    expect(inGrace).toMatchObject({ plan: "pro", state: "grace" });
    expect(inGrace.graceEndsAt?.toISOString()).toBe(new Date(now.getTime() + 4 * day).toISOString());
    const after = entitlementFor({
      ...base,
      status: "past_due",
      pastDueSince: new Date(now.getTime() - 8 * day),
    });
    expect(after).toMatchObject({ plan: "free", state: "restricted" });
  });

  it("gives the default plan without a subscription", () => {
    expect(entitlementFor({ ...base, status: null, plan: null })).toEqual({ plan: "free", state: "none" });
  });

  it("covers every status Stripe documents", () => {
    expect(Object.keys(ENTITLEMENT_TABLE).sort()).toEqual(
      [
        "active",
        "canceled",
        "incomplete",
        "incomplete_expired",
        "past_due",
        "paused",
        "trialing",
        "unpaid",
      ].sort(),
    );
  });
});
