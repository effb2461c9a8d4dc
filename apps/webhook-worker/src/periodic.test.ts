import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { silentLogger } from "../test/helpers.js";
import { startPeriodic } from "./periodic.js";

describe("startPeriodic", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("runs a job every interval, never twice at once, and goes on after a failure", async () => {
    let runs = 0;
    let release: (() => void) | undefined;
    const stop = startPeriodic(
      [
        {
          name: "slow",
          everyMs: 1_000,
          run: () => {
            runs++;
            if (runs === 1) return Promise.reject(new Error("database away"));
            return new Promise<void>((resolve) => {
              release = resolve;
            });
          },
        },
      ],
      silentLogger(),
    );
    await vi.advanceTimersByTimeAsync(1_000);
    expect(runs).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(runs).toBe(2);
    // The second run hangs: three more ticks start nothing.
    await vi.advanceTimersByTimeAsync(3_000);
    expect(runs).toBe(2);
    release?.();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(runs).toBe(3);
    release?.();
    await stop();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(runs).toBe(3);
  });
});
