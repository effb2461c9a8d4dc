import { type AddressInfo, createServer, type Socket } from "node:net";
import { createTestRedis, redisAvailable } from "@org/test-services";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { clusterHashTag } from "../test/redis-cluster.js";
import { RateLimitKeyError } from "./key.js";
import { createPolicy } from "./policy.js";
import { createRedisStore } from "./redis-store.js";
import { storeContract } from "./store.contract.js";

const available = await redisAvailable();
const t = createTestRedis();
afterAll(() => t.cleanup());

/** A store on its own auto-pipelined connection, in this file's key prefix. */
const freshStore = () =>
  createRedisStore({ redis: t.connect({ enableAutoPipelining: true }), prefix: t.prefix, timeoutMs: 5_000 });

describe.runIf(available)("redis store", () => {
  storeContract("redis", async () => ({ store: freshStore() }));

  it("batches one tick's decisions for a key into one script call", async () => {
    const store = freshStore();
    const ps = [createPolicy({ name: "batch", rate: 1, periodMs: 3_600_000, burst: 30 })];
    const results = await Promise.all(Array.from({ length: 100 }, () => store.decide("tenant-b", ps, 1)));
    expect(results.filter((r) => r.allowed)).toHaveLength(30);
    expect(store.stats.scriptCalls).toBe(1);
    expect(store.stats.decisions).toBe(100);
  });

  it("leases only what a tick's requests for the key leave: none of them is refused for a lease", async () => {
    const store = freshStore();
    const ps = [createPolicy({ name: "leasefirst", rate: 1, periodMs: 3_600_000, burst: 20 })];
    // The first request asks for a big lease, 39 more of the same tick ask for none.
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => store.decide("tenant-l", ps, 1, i === 0 ? 1024 : 0)),
    );
    expect(store.stats.scriptCalls).toBe(1);
    expect(results.filter((r) => r.allowed)).toHaveLength(20);
    expect(results[0]!.leased).toBe(0);
    // With room left after the tick's requests, the asker gets half of it.
    const roomy = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.decide("tenant-r", ps, 1, i === 0 ? 1024 : 0)),
    );
    expect(roomy.every((r) => r.allowed)).toBe(true);
    expect(roomy[0]!.leased).toBe(5);
    expect(roomy[0]!.offsetsMs[0]! - roomy[9]!.offsetsMs[0]!).toBeGreaterThan(0);
  });

  it("carries numbers beyond 32 bits exactly: a monthly quota's microsecond intervals", async () => {
    const store = freshStore();
    const month = 30 * 24 * 3_600_000;
    const ps = [createPolicy({ name: "monthly", rate: 1, periodMs: month, burst: 3 })];
    const first = await Promise.all(Array.from({ length: 4 }, () => store.decide("tenant-m", ps, 1)));
    expect(first.map((d) => d.allowed)).toEqual([true, true, true, false]);
    // Three units of a month-long interval outstanding: the offset is three months, to the millisecond.
    const offset = first[3]!.offsetsMs[0]!;
    expect(offset).toBeGreaterThan(3 * month - 5_000);
    expect(offset).toBeLessThanOrEqual(3 * month);
    // A refund (negative cost) of two units moves it back by exactly two intervals.
    const refunded = await store.decide("tenant-m", ps, -2);
    expect(offset - refunded.offsetsMs[0]!).toBeGreaterThan(2 * month - 5_000);
    expect(offset - refunded.offsetsMs[0]!).toBeLessThanOrEqual(2 * month + 5_000);
  });

  it("decides many keys of one tick in one script call on a single Redis", async () => {
    const store = freshStore();
    const ps = [createPolicy({ name: "many", rate: 1, periodMs: 3_600_000, burst: 2 })];
    const tenants = Array.from({ length: 50 }, (_, i) => `many_${i}`);
    const results = await Promise.all(tenants.flatMap((k) => [1, 2, 3].map(() => store.decide(k, ps, 1))));
    expect(results.filter((r) => r.allowed)).toHaveLength(100);
    expect(store.stats.scriptCalls).toBe(1);
  });

  it("sends its call past auto-pipelining with the client's keyPrefix, and reloads a flushed script", async () => {
    const plain = t.connect();
    const redis = t.connect({ enableAutoPipelining: true, keyPrefix: `${t.prefix}kp:` });
    const store = createRedisStore({ redis, timeoutMs: 5_000 });
    const ps = [createPolicy({ name: "kp", rate: 1, periodMs: 60_000, burst: 2 })];
    await plain.script("FLUSH"); // the next EVALSHA answers NOSCRIPT: the store falls back to EVAL
    const results = await Promise.all([1, 2, 3].map(() => store.decide("ten_kp", ps, 1)));
    expect(results.map((r) => r.allowed)).toEqual([true, true, false]);
    expect(await plain.exists(`${t.prefix}kp:rl:{ten_kp}:kp`)).toBe(1);
    expect((await store.decide("ten_kp", ps, 1)).allowed).toBe(false);
    expect(store.stats.scriptCalls).toBe(2);
  });

  it("hash-tags every key of a caller and expires it when full again", async () => {
    const redis = t.connect();
    const store = createRedisStore({ redis, prefix: t.prefix, timeoutMs: 5_000 });
    const ps = [
      createPolicy({ name: "second", rate: 1, periodMs: 60_000, burst: 20 }),
      createPolicy({ name: "minute", rate: 300, periodMs: 60_000, burst: 300 }),
    ];
    await store.decide("ten_42", ps, 1);
    const keys = (await redis.keys(`${t.prefix}rl:*`)).filter((k) => k.includes("ten_42")).sort();
    expect(keys).toEqual([`${t.prefix}rl:{ten_42}:minute`, `${t.prefix}rl:{ten_42}:second`]);
    const ttl = await redis.pttl(`${t.prefix}rl:{ten_42}:second`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_002); // one 60 s unit spent: full again after 60 s
  });

  it("never sends an empty key to Redis", async () => {
    const store = freshStore();
    const ps = [createPolicy({ name: "empty", rate: 1, periodMs: 1_000 })];
    await expect(store.decide("", ps, 1)).rejects.toBeInstanceOf(RateLimitKeyError);
    await new Promise((r) => setImmediate(r));
    expect(store.stats.scriptCalls).toBe(0);
  });

  it("keeps a key with braces under its own hash tag: every policy's name in it, no other key's", async () => {
    const redis = t.connect();
    const store = createRedisStore({ redis, prefix: t.prefix, timeoutMs: 5_000 });
    const ps = [
      createPolicy({ name: "b1", rate: 1, periodMs: 60_000, burst: 5 }),
      createPolicy({ name: "b2", rate: 10, periodMs: 60_000, burst: 10 }),
    ];
    const keys = ["brace", "brace}x", "{brace}", "}{", "brace%7Dx"];
    for (const key of keys) await store.decide(key, ps, 1);
    const names = await redis.keys(`${t.prefix}rl:*:b[12]`);
    const tags = new Map<string, Set<string>>();
    for (const name of names) {
      const tag = clusterHashTag(name);
      const policy = name.slice(name.lastIndexOf(":") + 1);
      tags.set(tag, (tags.get(tag) ?? new Set()).add(policy));
    }
    // One tag per key (not shared with "brace", not split by policy), holding both policies.
    expect(tags.size).toBe(keys.length);
    for (const policies of tags.values()) expect([...policies].sort()).toEqual(["b1", "b2"]);
  });

  it("a key whose state is unreadable fails alone: the other keys of the same script call are decided, once", async () => {
    const redis = t.connect();
    const store = freshStore();
    const ps = [createPolicy({ name: "iso", rate: 1, periodMs: 3_600_000, burst: 3 })];
    await redis.hset(`${t.prefix}rl:{iso_bad}:iso`, "not", "a timestamp");
    await redis.set(`${t.prefix}rl:{iso_junk}:iso`, "junk");
    const keys = Array.from({ length: 20 }, (_, i) => `iso_${i}`);
    const settled = await Promise.allSettled(
      ["iso_bad", ...keys, "iso_junk"].flatMap((k) => [1, 2].map(() => store.decide(k, ps, 1))),
    );
    expect(store.stats.scriptCalls).toBe(1);
    const [bad1, bad2] = settled.slice(0, 2);
    const junk = settled.slice(-2);
    for (const r of [bad1!, bad2!, ...junk])
      expect(r).toMatchObject({ status: "rejected", reason: { code: "key_error" } });
    const good = settled.slice(2, -2);
    expect(good.every((r) => r.status === "fulfilled" && r.value.allowed)).toBe(true);
    // Charged exactly once (2 of 3): a third request each is admitted, a fourth refused.
    const more = await Promise.all(keys.flatMap((k) => [1, 2].map(() => store.decide(k, ps, 1))));
    expect(more.filter((d) => d.allowed)).toHaveLength(keys.length);
    // The bad keys' values were left as they were (nothing written over them).
    expect(await redis.type(`${t.prefix}rl:{iso_bad}:iso`)).toBe("hash");
    expect(await redis.get(`${t.prefix}rl:{iso_junk}:iso`)).toBe("junk");
  });

  it("rejects, rather than hangs, when Redis does not answer in time", async () => {
    // A server that accepts connections and never answers: only the store's timeout can end a call.
    const sockets: Socket[] = [];
    const blackhole = createServer((socket) => sockets.push(socket));
    await new Promise<void>((r) => blackhole.listen(0, "127.0.0.1", r));
    const { port } = blackhole.address() as AddressInfo;
    const redis = new Redis({ host: "127.0.0.1", port, maxRetriesPerRequest: null, enableReadyCheck: false });
    try {
      const store = createRedisStore({ redis, prefix: t.prefix, timeoutMs: 30 });
      const ps = [createPolicy({ name: "to", rate: 1, periodMs: 1_000 })];
      await expect(store.decide("x", ps, 1)).rejects.toMatchObject({ code: "store_timeout" });
    } finally {
      redis.disconnect();
      for (const s of sockets) s.destroy();
      blackhole.close();
    }
  });
});
