import { describe, expect, it } from "vitest";
import { parseIdempotencyKey } from "./key.js";

describe("parseIdempotencyKey", () => {
  it("accepts a bare token and the structured-field string form as the same key", () => {
    expect(parseIdempotencyKey("order-42")).toEqual({ ok: true, key: "order-42" });
    expect(parseIdempotencyKey('"order-42"')).toEqual({ ok: true, key: "order-42" });
    expect(parseIdempotencyKey('"say \\"hi\\" \\\\ bye"')).toEqual({ ok: true, key: 'say "hi" \\ bye' });
  });

  it("accepts an sf-string with parameters (RFC 8941) as the same key", () => {
    expect(parseIdempotencyKey('"abc";foo=1')).toEqual({ ok: true, key: "abc" });
    expect(parseIdempotencyKey('"abc";foo=1;bar="x";baz')).toEqual({ ok: true, key: "abc" });
    expect(parseIdempotencyKey('"abc";Foo=1').ok).toBe(false);
    expect(parseIdempotencyKey('"abc";').ok).toBe(false);
  });

  it("accepts 1 and 255 characters, refuses 0 and 256", () => {
    expect(parseIdempotencyKey("a").ok).toBe(true);
    expect(parseIdempotencyKey("a".repeat(255)).ok).toBe(true);
    expect(parseIdempotencyKey(`"${"a".repeat(255)}"`).ok).toBe(true);
    expect(parseIdempotencyKey("").ok).toBe(false);
    expect(parseIdempotencyKey('""').ok).toBe(false);
    expect(parseIdempotencyKey("a".repeat(256)).ok).toBe(false);
  });

  it("refuses non-printable or non-ASCII characters and malformed sf-strings", () => {
    expect(parseIdempotencyKey("caf\u00e9").ok).toBe(false);
    expect(parseIdempotencyKey("a\u0001b").ok).toBe(false);
    expect(parseIdempotencyKey('"unterminated').ok).toBe(false);
    expect(parseIdempotencyKey('"bad \\n escape"').ok).toBe(false);
    expect(parseIdempotencyKey('"a"b"').ok).toBe(false);
  });
});
