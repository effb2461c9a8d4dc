import { describe, expect, it } from "vitest";
import { checkSlug } from "./slug.js";

describe("checkSlug", () => {
  it.each(["acme", "a-b", "abc", "x1y", "a".repeat(63), "my-company-42"])("accepts %s", (slug) => {
    expect(checkSlug(slug)).toEqual({ ok: true });
  });

  it.each([
    ["ab", "too short"],
    ["a".repeat(64), "too long"],
    ["Acme", "uppercase"],
    ["-acme", "leading hyphen"],
    ["acme-", "trailing hyphen"],
    ["ac_me", "underscore"],
    ["ac.me", "dot"],
    ["xn--acme", "IDNA prefix"],
    ["www", "reserved"],
    ["api", "reserved"],
    ["admin", "reserved"],
    ["acmé", "non-ASCII"],
    ["", "empty"],
  ])("refuses %s (%s)", (slug) => {
    expect(checkSlug(slug).ok).toBe(false);
  });
});
