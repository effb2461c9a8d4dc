import { describe, expect, it } from "vitest";
import { UsageInputError } from "./errors.js";
import { normalizeBatch } from "./events.js";
import { DEFAULT_METERS, defineMeters } from "./meters.js";

const meters = defineMeters(DEFAULT_METERS);
const NOW = Date.UTC(2026, 2, 15, 12, 0, 0);
const window = { nowMs: NOW, maxFutureSkewMs: 60_000, lateWindowMs: 35 * 86_400_000 };

const issuesOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof UsageInputError) return e.issues;
    throw e;
  }
  throw new Error("no error");
};

describe("normalizeBatch", () => {
  it("defaults quantity to 1 and the timestamp to now, and buckets by the UTC minute", () => {
    const { events } = normalizeBatch([{ id: "a", meter: "tokens" }], meters, window);
    expect(events[0]).toMatchObject({
      id: "a",
      quantity: 1,
      timestampMs: NOW,
      bucketStartMs: NOW,
      bucketDelta: 1,
    });
    const late = normalizeBatch(
      [{ id: "b", meter: "tokens", quantity: 7, timestamp: "2026-03-01T10:20:59.999+02:00" }],
      meters,
      window,
    );
    expect(late.events[0]).toMatchObject({ bucketStartMs: Date.UTC(2026, 2, 1, 8, 20), bucketDelta: 7 });
  });

  it("reports an id repeated inside the batch as a duplicate and keeps the first", () => {
    const { events, batchDuplicates } = normalizeBatch(
      [
        { id: "a", meter: "tokens", quantity: 5 },
        { id: "a", meter: "tokens", quantity: 9 },
      ],
      meters,
      window,
    );
    expect(events.map((e) => e.quantity)).toEqual([5]);
    expect(batchDuplicates).toEqual(["a"]);
  });

  it("does not bucket a latest-value meter", () => {
    const { events } = normalizeBatch([{ id: "s", meter: "seats", quantity: 12 }], meters, window);
    expect(events[0]?.bucketDelta).toBeNull();
  });

  it("refuses the future beyond the skew, the past beyond the window, unknown meters, fractions", () => {
    expect(
      issuesOf(() =>
        normalizeBatch(
          [
            { id: "1", meter: "tokens", timestamp: NOW + 61_000 },
            { id: "2", meter: "tokens", timestamp: NOW - 36 * 86_400_000 },
            { id: "3", meter: "nope" },
          ],
          meters,
          window,
        ),
      ).map((i) => i.path),
    ).toEqual(["events.0.timestamp", "events.1.timestamp", "events.2.meter"]);
    expect(
      issuesOf(() => normalizeBatch([{ id: "1", meter: "tokens", quantity: 1.5 }], meters, window))[0]?.path,
    ).toBe("events.0.quantity");
    // within the skew and within the window are fine
    expect(
      normalizeBatch(
        [
          { id: "1", meter: "tokens", timestamp: NOW + 59_000 },
          { id: "2", meter: "tokens", timestamp: NOW - 34 * 86_400_000 },
        ],
        meters,
        window,
      ).events,
    ).toHaveLength(2);
  });

  it("refuses an empty batch and one over 1,000 events", () => {
    expect(() => normalizeBatch([], meters, window)).toThrow(UsageInputError);
    const big = Array.from({ length: 1_001 }, (_, i) => ({ id: String(i), meter: "tokens" }));
    expect(() => normalizeBatch(big, meters, window)).toThrow(UsageInputError);
    expect(normalizeBatch(big.slice(0, 1_000), meters, window).events).toHaveLength(1_000);
  });
});

describe("defineMeters", () => {
  it("refuses duplicate keys and unique_count without a property", () => {
    expect(() => defineMeters([...DEFAULT_METERS, { key: "tokens", aggregation: "sum", unit: "t" }])).toThrow(
      /twice/,
    );
    expect(() => defineMeters([{ key: "users", aggregation: "unique_count", unit: "user" }])).toThrow();
  });
});
