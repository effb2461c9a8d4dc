import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY_SCHEDULE, nextRetry, retryDelayMs } from "./retry-schedule.js";

const HOUR = 3_600_000;

describe("retryDelayMs", () => {
  it("doubles under the cap, with equal jitter in [ceiling / 2, ceiling]", () => {
    expect(retryDelayMs(1, { baseMs: 1000 }, () => 0)).toBe(500);
    expect(retryDelayMs(1, { baseMs: 1000 }, () => 0.999)).toBe(999);
    expect(retryDelayMs(4, { baseMs: 1000 }, () => 0.5)).toBe(6000);
    expect(retryDelayMs(30, { baseMs: 1000, capMs: 60_000 }, () => 1)).toBe(60_000);
  });

  it("waits a minute at first and hours later by default, like Stripe", () => {
    expect(retryDelayMs(1, {}, () => 1)).toBe(60_000);
    expect(retryDelayMs(20, {}, () => 0)).toBe(3 * HOUR);
    expect(retryDelayMs(20, {}, () => 1)).toBe(DEFAULT_RETRY_SCHEDULE.capMs);
  });
});

describe("nextRetry", () => {
  const receivedAt = new Date(Date.UTC(2026, 0, 1));
  const at = (ms: number) => new Date(receivedAt.getTime() + ms);

  it("gives an event up only when its window is over, and tries once more at the window's end", () => {
    expect(nextRetry({ attempt: 50, receivedAt, now: at(71 * HOUR) }, {}, () => 1)).toEqual({
      dead: false,
      retryAt: at(72 * HOUR),
    });
    expect(nextRetry({ attempt: 51, receivedAt, now: at(72 * HOUR) })).toEqual({ dead: true });
  });

  it("never retries in the past, whatever the jitter", () => {
    const next = nextRetry({ attempt: 1, receivedAt, now: at(0) }, { baseMs: 0, capMs: 0 }, () => 0);
    expect(next).toEqual({ dead: false, retryAt: at(0) });
  });

  it("keeps an event alive for more than 24 h of continuous failures by default", () => {
    let now = 0;
    let attempt = 1;
    for (;;) {
      const next = nextRetry({ attempt, receivedAt, now: at(now) }, {}, () => 0);
      if (next.dead) break;
      now = next.retryAt.getTime() - receivedAt.getTime();
      attempt++;
    }
    expect(now).toBeGreaterThanOrEqual(24 * HOUR);
  });
});
