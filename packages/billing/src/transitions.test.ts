import { describe, expect, it } from "vitest";
import { isImpossibleTransition } from "./transitions.js";

describe("isImpossibleTransition", () => {
  it("flags leaving a terminal status", () => {
    expect(isImpossibleTransition("canceled", "active")).toBe(true);
    expect(isImpossibleTransition("incomplete_expired", "active")).toBe(true);
  });
  it("accepts Stripe's ordinary moves", () => {
    for (const [from, to] of [
      ["incomplete", "active"],
      ["trialing", "active"],
      ["active", "past_due"],
      ["past_due", "active"],
      ["past_due", "unpaid"],
      ["unpaid", "canceled"],
      ["active", "canceled"],
      ["active", "active"],
    ] as const) {
      expect(isImpossibleTransition(from, to), `${from} -> ${to}`).toBe(false);
    }
  });
  it("flags returning to incomplete", () => {
    expect(isImpossibleTransition("active", "incomplete")).toBe(true);
  });
});
