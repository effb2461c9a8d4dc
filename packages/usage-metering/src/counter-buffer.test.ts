import { describe, expect, it } from "vitest";
import { type BucketDelta, createCounterBuffer } from "./counter-buffer.js";

const MIN = 60_000;

function setup(opts: { maxKeys?: number; failTimes?: number } = {}) {
  let now = 10 * MIN;
  const written: BucketDelta[][] = [];
  const ids: string[] = [];
  let fail = opts.failTimes ?? 0;
  let gate: Promise<void> | null = null;
  const buffer = createCounterBuffer({
    write: async (rows, flushId) => {
      ids.push(flushId);
      if (gate) await gate;
      if (fail > 0) {
        fail--;
        throw new Error("db down");
      }
      written.push(rows);
    },
    clock: () => now,
    intervalMs: 60_000,
    maxKeys: opts.maxKeys ?? 10_000,
  });
  const total = () => written.flat().reduce((s, r) => s + r.n, 0);
  return {
    buffer,
    written,
    ids,
    total,
    tick: (ms: number) => {
      now += ms;
    },
    block() {
      let open!: () => void;
      gate = new Promise<void>((r) => (open = r));
      return () => {
        gate = null;
        open();
      };
    },
  };
}

describe("counter buffer", () => {
  it("accumulates per (tenant, meter, minute) and writes one sorted batch", async () => {
    const t = setup();
    for (let i = 0; i < 1_000; i++) t.buffer.increment(i % 2 ? "ten_b" : "ten_a", "api_calls", 1);
    t.tick(MIN);
    t.buffer.increment("ten_a", "api_calls", 5);
    expect(t.buffer.size).toBe(3);
    await t.buffer.flush();
    expect(t.written).toHaveLength(1);
    expect(t.written[0]).toEqual([
      { tenantId: "ten_a", meter: "api_calls", minuteMs: 10 * MIN, n: 500 },
      { tenantId: "ten_a", meter: "api_calls", minuteMs: 11 * MIN, n: 5 },
      { tenantId: "ten_b", meter: "api_calls", minuteMs: 10 * MIN, n: 500 },
    ]);
    expect(t.buffer.size).toBe(0);
  });

  it("flushes early when the buffer holds maxKeys cells", async () => {
    const t = setup({ maxKeys: 10 });
    for (let i = 0; i < 10; i++) t.buffer.increment(`ten_${i}`, "api_calls", 1);
    await new Promise((r) => setImmediate(r));
    await t.buffer.flush();
    expect(t.total()).toBe(10);
  });

  it("keeps a failed batch and retries it first under the same flush id, without loss or double count", async () => {
    const t = setup({ failTimes: 1 });
    t.buffer.increment("ten_a", "api_calls", 3);
    await expect(t.buffer.flush()).rejects.toThrow("db down");
    t.buffer.increment("ten_a", "api_calls", 4);
    expect(t.buffer.pendingSum("ten_a", "api_calls", 0, Number.MAX_SAFE_INTEGER)).toBe(7);
    await t.buffer.flush();
    expect(t.total()).toBe(7);
    expect(t.written.map((b) => b.map((r) => r.n))).toEqual([[3], [4]]);
    expect(t.ids[1]).toBe(t.ids[0]); // the failed attempt and its retry
    expect(t.ids[2]).not.toBe(t.ids[0]);
  });

  it("counts increments made during a slow flush exactly once across many concurrent callers", async () => {
    const t = setup();
    let sent = 0;
    const callers = Array.from({ length: 100 }, async () => {
      for (let i = 0; i < 200; i++) {
        t.buffer.increment("ten_a", "api_calls", 1);
        sent++;
        if (i % 20 === 0) {
          const release = t.block();
          const f = t.buffer.flush();
          await new Promise((r) => setImmediate(r));
          release();
          await f;
        } else await Promise.resolve();
      }
    });
    await Promise.all(callers);
    await t.buffer.close();
    expect(t.total()).toBe(sent);
    expect(sent).toBe(20_000);
  });

  it("readWithPending never counts a cell both in the read and in the buffer", async () => {
    const t = setup();
    let stored = 0;
    t.buffer.increment("ten_a", "api_calls", 2);
    // The "database" is `written`: a read sees whatever has been written when it runs.
    const results: number[] = [];
    const reads = Array.from({ length: 50 }, async (_, i) => {
      if (i % 5 === 0) t.buffer.increment("ten_a", "api_calls", 1);
      if (i % 7 === 0) void t.buffer.flush();
      const { result, cells } = await t.buffer.readWithPending(async () => {
        await new Promise((r) => setImmediate(r));
        return t.total();
      });
      stored = result + cells.reduce((s, c) => s + c.n, 0);
      results.push(stored);
    });
    await Promise.all(reads);
    await t.buffer.close();
    // every answer is between what was counted before and after; none exceeds the true total
    for (const r of results) expect(r).toBeLessThanOrEqual(t.total());
    expect(t.total()).toBe(12);
  });

  it("flushes an increment that arrives after close() on its own", async () => {
    const t = setup();
    t.buffer.increment("ten_a", "api_calls", 1);
    await t.buffer.close();
    t.buffer.increment("ten_a", "api_calls", 2);
    await new Promise((r) => setImmediate(r));
    await t.buffer.flush();
    expect(t.total()).toBe(3);
    expect(t.buffer.size).toBe(0);
  });

  it("close() returns while counting goes on, with everything counted before it written", async () => {
    const written: BucketDelta[][] = [];
    const buffer = createCounterBuffer({
      // Each write takes a few ms, during which the loop below counts again: the buffer is never empty.
      write: async (rows) => {
        await new Promise((r) => setTimeout(r, 3));
        written.push(rows);
      },
      intervalMs: 60_000,
    });
    let counted = 0;
    const counting = setInterval(() => {
      buffer.increment("ten_a", "api_calls", 1);
      counted++;
    }, 1);
    await new Promise((r) => setTimeout(r, 20));
    const before = counted;
    await buffer.close();
    clearInterval(counting);
    const total = () => written.flat().reduce((s, r) => s + r.n, 0);
    expect(total()).toBeGreaterThanOrEqual(before);
    // Later counts are flushed on their own once closed.
    await new Promise((r) => setTimeout(r, 50));
    expect(total()).toBe(counted);
  });

  it("close() drains and retries a failed write", async () => {
    const t = setup({ failTimes: 2 });
    t.buffer.increment("ten_a", "api_calls", 9);
    await t.buffer.close();
    expect(t.total()).toBe(9);
  });
});
