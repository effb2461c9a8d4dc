import { describe, expect, it } from "vitest";
import { addInterval } from "./billing/period.js";
import { createFakeClock, parseDuration } from "./clock.js";

describe("parseDuration", () => {
  it("reads compound human durations and plain milliseconds", () => {
    expect(parseDuration("1d12h")).toBe(129_600_000);
    expect(parseDuration("90m")).toBe(5_400_000);
    expect(parseDuration("1500")).toBe(1500);
    expect(parseDuration(42)).toBe(42);
    expect(() => parseDuration("soon")).toThrow(/Unreadable/);
  });
});

describe("the fake clock and periods", () => {
  it("only moves forward", () => {
    const clock = createFakeClock(Date.UTC(2026, 0, 1));
    expect(clock.now()).toBe(Date.UTC(2026, 0, 1) / 1000);
    expect(() => clock.set(0)).toThrow(/forward/);
  });

  it("clamps month ends like Stripe and adds years", () => {
    const jan31 = Date.UTC(2026, 0, 31) / 1000;
    expect(addInterval(jan31, "month", 1)).toBe(Date.UTC(2026, 1, 28) / 1000);
    expect(addInterval(Date.UTC(2028, 1, 29) / 1000, "year", 1)).toBe(Date.UTC(2029, 1, 28) / 1000);
    expect(addInterval(jan31, "week", 2)).toBe(jan31 + 14 * 86_400);
  });
});
