import { describe, expect, it } from "vitest";
import { createRateLimiter, type RateLimiterOptions, type RateLimitMetric } from "./limiter.js";
import { createMemoryStore } from "./memory-store.js";
import { createPolicy } from "./policy.js";
import { type RateLimitStore, RateLimitStoreError } from "./store.js";

/** A memory store on a fake clock that can be switched off, counting the calls that reach it. */
function flakyStore() {
  const clock = { now: 1_000_000 };
  const inner = createMemoryStore({ clock: () => clock.now });
  const state = { down: false, calls: 0 };
  const store: RateLimitStore = {
    kind: "flaky",
    decide(key, policies, cost, leaseMax) {
      state.calls++;
      if (state.down) return Promise.reject(new RateLimitStoreError("store_error", "connection refused"));
      return inner.decide(key, policies, cost, leaseMax);
    },
  };
  return { store, state, clock };
}

function recorder() {
  const logs: string[] = [];
  const counts = new Map<RateLimitMetric, number>();
  return {
    logs,
    counts,
    logger: {
      warn: (_: unknown, msg: string) => logs.push(msg),
      info: (_: unknown, msg: string) => logs.push(msg),
    },
    metrics: { increment: (name: RateLimitMetric) => counts.set(name, (counts.get(name) ?? 0) + 1) },
  };
}

/** A limiter over a fresh flaky store on its fake clock. */
function limiterOn(options: Omit<RateLimiterOptions, "store" | "clock">) {
  const f = flakyStore();
  return { ...f, limiter: createRateLimiter({ ...options, store: f.store, clock: () => f.clock.now }) };
}

describe("createRateLimiter", () => {
  it("answers limit(key, cost) with allowed, limit, remaining, resetAfterMs, retryAfterMs", async () => {
    const { limiter } = limiterOn({ rate: 10, periodMs: 1_000, burst: 20 });
    const first = await limiter.limit("t1");
    expect(first).toMatchObject({
      allowed: true,
      limit: 20,
      remaining: 19,
      retryAfterMs: 0,
      policy: "default",
    });
    expect(first.resetAfterMs).toBeCloseTo(100);
    const big = await limiter.limit("t1", 19);
    expect(big).toMatchObject({ allowed: true, remaining: 0 });
    const refused = await limiter.limit("t1");
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBeCloseTo(100);
    expect(refused.resetAfterMs).toBeCloseTo(2_000);
  });

  it("lets the strictest policy decide and reports all of them", async () => {
    const { store, clock } = flakyStore();
    const perSecond = createPolicy({ name: "burst", rate: 10, periodMs: 1_000, burst: 5 });
    const perMinute = createPolicy({ name: "sustained", rate: 60, periodMs: 60_000, burst: 8 });
    const limiter = createRateLimiter({ store, policies: [perSecond, perMinute], clock: () => clock.now });
    for (let i = 0; i < 5; i++) await limiter.limit("t");
    const d = await limiter.limit("t");
    expect(d).toMatchObject({ allowed: false, policy: "burst" });
    expect(d.policies.map((p) => [p.policy.name, p.remaining])).toEqual([
      ["burst", 0],
      ["sustained", 3],
    ]);
    clock.now += 1_000; // burst is full again, sustained got one unit back
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await limiter.limit("t"));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, true, false]);
    expect(results[4]).toMatchObject({ policy: "sustained" });
  });

  it("answers refusals from the blocked cache until the store could admit again", async () => {
    const { limiter, state, clock } = limiterOn({ rate: 10, periodMs: 1_000, burst: 2 });
    await limiter.limit("k");
    await limiter.limit("k");
    expect((await limiter.limit("k")).source).toBe("store");
    const callsBefore = state.calls;
    for (let i = 0; i < 50; i++) {
      const d = await limiter.limit("k");
      expect(d).toMatchObject({ allowed: false, source: "blocked-cache" });
    }
    expect(state.calls).toBe(callsBefore);
    clock.now += 100;
    expect(await limiter.limit("k")).toMatchObject({ allowed: true, source: "store" });
  });

  it("spends leased units locally and never admits over the limit", async () => {
    const { limiter, state } = limiterOn({ rate: 1, periodMs: 3_600_000, burst: 40, leaseUnits: 8 });
    const first = await limiter.limit("k");
    expect(first.source).toBe("store");
    for (let i = 0; i < 8; i++) expect((await limiter.limit("k")).source).toBe("lease");
    // One call for the first decision and its lease, one to top the lease up once half was spent.
    expect(state.calls).toBe(2);
    const rest = [];
    for (let i = 0; i < 100; i++) rest.push(await limiter.limit("k"));
    expect(1 + 8 + rest.filter((d) => d.allowed).length).toBe(40);
  });

  it("tops a busy key's lease up before it runs out, so the key stays on leases", async () => {
    const { limiter, state } = limiterOn({ rate: 1, periodMs: 3_600_000, burst: 10_000, leaseUnits: 8 });
    expect((await limiter.limit("k")).source).toBe("store");
    const sources = new Set<string>();
    for (let i = 0; i < 200; i++) sources.add((await limiter.limit("k")).source);
    expect([...sources]).toEqual(["lease"]);
    // A top-up per 8 units spent (each adds 8 to the 3 or 4 still held), not one per request.
    expect(state.calls).toBeGreaterThan(200 / 8);
    expect(state.calls).toBeLessThanOrEqual(2 + 200 / 8);
    // Every unit handed out locally was charged in the store: spent + held = charged.
    const charged = 10_000 - (await limiter.limit("k", 0)).remaining;
    expect(charged).toBeGreaterThanOrEqual(201);
    expect(charged).toBeLessThan(201 + 1.5 * 8);
  });

  it("answers a store refusal from a lease that came in while it was in flight", async () => {
    const { limiter } = limiterOn({ rate: 1, periodMs: 3_600_000, burst: 5, leaseUnits: 8 });
    // One tick: the first asks for a lease (1 + 2 of the 4 left), the store refuses the 4th and 5th.
    const answers = await Promise.all(Array.from({ length: 6 }, () => limiter.limit("k")));
    expect(answers.map((d) => (d.allowed ? d.source : "refused"))).toEqual([
      "store",
      "store",
      "store",
      "lease",
      "lease",
      "refused",
    ]);
  });

  it("answers from the lease and the blocked cache at the end of the tick, all together", async () => {
    const { limiter } = limiterOn({ rate: 1, periodMs: 3_600_000, burst: 20, leaseUnits: 8 });
    await limiter.limit("k");
    await limiter.limit("big", 20);
    expect((await limiter.limit("big")).source).toBe("store"); // refused, and now remembered
    const order: string[] = [];
    const answers = [limiter.limit("k"), limiter.limit("big"), limiter.limit("k")].map((p) =>
      p.then((d) => order.push(d.source)),
    );
    setImmediate(() => order.push("immediate queued after"));
    for (let i = 0; i < 5; i++) await Promise.resolve(); // microtask turns alone do not answer them
    expect(order).toEqual([]);
    await Promise.all(answers);
    expect(order).toEqual(["lease", "blocked-cache", "lease"]);
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(["lease", "blocked-cache", "lease", "immediate queued after"]);
  });

  it("returns an expired lease's unspent units to the store", async () => {
    const { limiter, clock } = limiterOn({
      rate: 1,
      periodMs: 3_600_000,
      burst: 40,
      leaseUnits: 8,
      leaseTtlMs: 100,
    });
    expect((await limiter.limit("k")).source).toBe("store"); // 1 + a lease of 8
    clock.now += 150; // the lease expires unspent (the policy refills nothing in 150 ms)
    const rest = [];
    for (let i = 0; i < 100; i++) rest.push(await limiter.limit("k"));
    expect(1 + rest.filter((d) => d.allowed).length).toBe(40);
  });

  it("falls back to the insurance limiter (limit / expected nodes), logs and counts it, then recovers", async () => {
    const r = recorder();
    const { limiter, state, clock } = limiterOn({
      rate: 10,
      periodMs: 60_000,
      burst: 20,
      expectedNodes: 4,
      retryIntervalMs: 500,
      logger: r.logger,
      metrics: r.metrics,
    });
    state.down = true;
    const during = [];
    for (let i = 0; i < 10; i++) during.push(await limiter.limit("k"));
    expect(during.filter((d) => d.allowed)).toHaveLength(5); // 20 / 4 nodes
    expect(during.every((d) => d.source === "insurance")).toBe(true);
    expect(limiter.degraded).toBe(true);
    expect(state.calls).toBe(1); // the store is not hammered while down
    expect(r.logs).toEqual(["ratelimit.store_down"]);
    expect(r.counts.get("ratelimit_fallback_decisions_total")).toBe(10);

    clock.now += 600; // a probe goes to the store, fails, and the limiter stays local
    await limiter.limit("k");
    expect(state.calls).toBe(2);
    expect(r.counts.get("ratelimit_store_errors_total")).toBe(2);

    state.down = false;
    clock.now += 600;
    const after = await limiter.limit("k");
    expect(after).toMatchObject({ allowed: true, source: "store" });
    expect(limiter.degraded).toBe(false);
    expect(r.logs).toEqual(["ratelimit.store_down", "ratelimit.store_recovered"]);
    expect(r.counts.get("ratelimit_store_recoveries_total")).toBe(1);
  });

  it("fails open or closed when asked to", async () => {
    const { store, state } = flakyStore();
    state.down = true;
    const open = createRateLimiter({ store, rate: 1, periodMs: 1_000, burst: 1, failMode: "open" });
    const closed = createRateLimiter({ store, rate: 1, periodMs: 1_000, burst: 1, failMode: "closed" });
    for (let i = 0; i < 3; i++) {
      expect(await open.limit("k")).toMatchObject({ allowed: true, source: "fail-open" });
      const d = await closed.limit("k");
      expect(d).toMatchObject({ allowed: false, source: "fail-closed" });
      expect(d.retryAfterMs).toBeGreaterThan(0);
    }
  });

  it("refuses bad configuration at creation", () => {
    expect(() => createPolicy({ name: "Bad Name", rate: 1, periodMs: 1 })).toThrow(/name/);
    expect(() => createPolicy({ name: "x", rate: 0, periodMs: 1 })).toThrow(/rate/);
    expect(() => createPolicy({ name: "x", rate: 1, periodMs: 1, burst: 0.5 })).toThrow(/burst/);
    const { store } = flakyStore();
    expect(() => createRateLimiter({ store, rate: 1, periodMs: 1, expectedNodes: 0 })).toThrow(
      /expectedNodes/,
    );
  });
});
