import { describe, expect, it } from "vitest";
import { clusterHashTag } from "../test/redis-cluster.js";
import { assertKey, hashTagOf, RateLimitKeyError } from "./key.js";

describe("rate-limit keys", () => {
  it("refuses an empty key or a non-string", () => {
    expect(() => assertKey("")).toThrow(RateLimitKeyError);
    expect(() => assertKey(undefined)).toThrow(RateLimitKeyError);
    expect(() => assertKey("ten_1")).not.toThrow();
  });

  it("leaves ordinary keys as they are", () => {
    for (const key of ["ten_1", "203.0.113.9", "2001:db8::1", "key_AbC-09"]) expect(hashTagOf(key)).toBe(key);
  });

  it("gives every key, braces and all, a tag that is exactly its whole escaped self, distinct from every other key's", () => {
    const keys = ["a", "a}b", "{a}", "}", "{", "}{", "a%7Db", "%", "%25", "{}"];
    const tags = keys.map((key) => clusterHashTag(`p:rl:{${hashTagOf(key)}}:policy`));
    expect(tags).toEqual(keys.map(hashTagOf));
    expect(new Set(tags).size).toBe(keys.length);
    for (const tag of tags) expect(tag).not.toMatch(/[{}]/);
  });
});
