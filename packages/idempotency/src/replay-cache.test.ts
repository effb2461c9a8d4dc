import { describe, expect, it } from "vitest";
import { type CachedCompletion, createReplayCache } from "./replay-cache.js";

const completion = (bodyBytes: number, expiresAt = Number.MAX_SAFE_INTEGER): CachedCompletion => ({
  fingerprint: "fp",
  response: { status: 201, headers: { "content-type": "application/json" }, body: new Uint8Array(bodyBytes) },
  expiresAt,
});

describe("createReplayCache", () => {
  it("keeps the entries' bytes under maxBytes, evicting the least recently used", () => {
    const cache = createReplayCache({ maxBytes: 1024 * 1024, maxEntries: 10_000 });
    for (let i = 0; i < 100; i++) cache.set("ten_1", `k${i}`, completion(60 * 1024));
    expect(cache.bytes).toBeLessThanOrEqual(1024 * 1024);
    expect(cache.size).toBeLessThanOrEqual(17);
    expect(cache.size).toBeGreaterThan(10);
    expect(cache.get("ten_1", "k99", 0)).toBeDefined();
    expect(cache.get("ten_1", "k0", 0)).toBeUndefined();
  });

  it("bounds by 64 MiB by default", () => {
    const cache = createReplayCache({ maxBodyBytes: 1024 * 1024 });
    for (let i = 0; i < 80; i++) cache.set("ten_1", `k${i}`, completion(1024 * 1024));
    expect(cache.bytes).toBeLessThanOrEqual(64 * 1024 * 1024);
    expect(cache.size).toBe(63);
  });

  it("still bounds by entries", () => {
    const cache = createReplayCache({ maxEntries: 3 });
    for (let i = 0; i < 5; i++) cache.set("ten_1", `k${i}`, completion(10));
    expect(cache.size).toBe(3);
  });

  it("does not cache responses over maxBodyBytes and never serves an expired entry", () => {
    const cache = createReplayCache({ maxBodyBytes: 100 });
    cache.set("ten_1", "big", completion(101));
    expect(cache.get("ten_1", "big", 0)).toBeUndefined();
    cache.set("ten_1", "soon", completion(10, 1_000));
    expect(cache.get("ten_1", "soon", 999)).toBeDefined();
    expect(cache.get("ten_1", "soon", 1_000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("refuses a bound that is not a positive integer", () => {
    expect(() => createReplayCache({ maxBytes: 0 })).toThrow(/maxBytes/);
  });
});
