import { describe, expect, it } from "vitest";
import { newId, randomBase62 } from "./ids.js";

describe("newId", () => {
  it("prefixes the kind and appends 20 base62 characters", () => {
    expect(newId("tenant")).toMatch(/^ten_[0-9A-Za-z]{20}$/);
    expect(newId("apiKey")).toMatch(/^key_[0-9A-Za-z]{20}$/);
  });

  it("does not repeat across many draws", () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newId("event")));
    expect(ids.size).toBe(10_000);
  });

  it("uses every base62 character and nothing else", () => {
    const sample = randomBase62(20_000);
    expect(sample).toHaveLength(20_000);
    expect(new Set(sample).size).toBe(62);
  });
});
