import { describe, expect, it } from "vitest";
import { createTickBatcher } from "./tick-batcher.js";

interface Call {
  key: string;
  value: number;
}

/** A `run` that records its batches and answers when told to. */
function recorder() {
  const batches: Call[][] = [];
  const answers: Array<(fail?: Error) => void> = [];
  const run = (inputs: Call[]) => {
    batches.push(inputs);
    return new Promise<number[]>((resolve, reject) => {
      answers.push((fail) => (fail ? reject(fail) : resolve(inputs.map((i) => i.value * 10))));
    });
  };
  return { batches, answers, run };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("createTickBatcher", () => {
  it("sends the calls of one tick as one batch and gives each caller its own output", async () => {
    const r = recorder();
    const call = createTickBatcher(r.run, { keyOf: (c) => c.key, maxBatch: 100, maxInFlight: 4 });
    const results = [1, 2, 3].map((value) => call({ key: `k${value}`, value }));
    await tick();
    expect(r.batches.map((b) => b.map((c) => c.value))).toEqual([[1, 2, 3]]);
    r.answers[0]!();
    expect(await Promise.all(results)).toEqual([10, 20, 30]);
  });

  it("never puts two calls with the same key in one batch, and keeps their order", async () => {
    const r = recorder();
    const call = createTickBatcher(r.run, { keyOf: (c) => c.key, maxBatch: 100, maxInFlight: 4 });
    const results = [
      call({ key: "a", value: 1 }),
      call({ key: "a", value: 2 }),
      call({ key: "b", value: 3 }),
      call({ key: "a", value: 4 }),
    ];
    await tick();
    expect(r.batches.map((b) => b.map((c) => c.value))).toEqual([[1, 3], [2], [4]]);
    for (const answer of r.answers) answer();
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40]);
  });

  it("splits beyond maxBatch and holds calls while maxInFlight batches run", async () => {
    const r = recorder();
    const call = createTickBatcher(r.run, { keyOf: (c) => c.key, maxBatch: 2, maxInFlight: 2 });
    const results = Array.from({ length: 7 }, (_, value) => call({ key: `k${value}`, value }));
    await tick();
    expect(r.batches.map((b) => b.length)).toEqual([2, 2]);
    // Calls of later ticks join the waiting ones instead of starting statements of their own.
    results.push(call({ key: "late", value: 7 }));
    await tick();
    expect(r.batches).toHaveLength(2);
    r.answers[0]!();
    await tick();
    await tick();
    expect(r.batches.map((b) => b.length)).toEqual([2, 2, 2]);
    r.answers[1]!();
    r.answers[2]!();
    await tick();
    await tick();
    expect(r.batches.map((b) => b.length)).toEqual([2, 2, 2, 2]);
    r.answers[3]!();
    expect(await Promise.all(results)).toEqual([0, 10, 20, 30, 40, 50, 60, 70]);
  });

  it("rejects the calls of a failed batch only, and keeps serving afterwards", async () => {
    const r = recorder();
    const call = createTickBatcher(r.run, { keyOf: (c) => c.key, maxBatch: 1, maxInFlight: 4 });
    const first = call({ key: "a", value: 1 });
    const second = call({ key: "b", value: 2 });
    await tick();
    r.answers[0]!(new Error("connection lost"));
    r.answers[1]!();
    await expect(first).rejects.toThrow("connection lost");
    expect(await second).toBe(20);
    const third = call({ key: "a", value: 3 });
    await tick();
    r.answers[2]!();
    expect(await third).toBe(30);
  });

  it("turns a run that throws instead of rejecting into rejected calls", async () => {
    const call = createTickBatcher<Call, number>(
      () => {
        throw new Error("bad input");
      },
      { keyOf: (c) => c.key, maxBatch: 10, maxInFlight: 1 },
    );
    await expect(Promise.all([call({ key: "a", value: 1 }), call({ key: "b", value: 2 })])).rejects.toThrow(
      "bad input",
    );
    await expect(call({ key: "c", value: 3 })).rejects.toThrow("bad input");
  });

  it("closes a batch at maxSize, and sends a call larger than that alone", async () => {
    const r = recorder();
    const call = createTickBatcher(r.run, {
      keyOf: (c) => c.key,
      maxBatch: 100,
      maxInFlight: 10,
      sizeOf: (c) => c.value,
      maxSize: 10,
    });
    const results = [4, 5, 3, 25, 1].map((value, i) => call({ key: `k${i}`, value }));
    await tick();
    expect(r.batches.map((b) => b.map((c) => c.value))).toEqual([[4, 5, 1], [3], [25]]);
    for (const answer of r.answers) answer();
    expect(await Promise.all(results)).toEqual([40, 50, 30, 250, 10]);
  });
});
