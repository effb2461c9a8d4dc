import { describe, expect, it } from "vitest";
import { isFieldPointer, redactJsonFields } from "./redaction.js";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("redactJsonFields", () => {
  it("nulls the members the pointers name, at any depth and in arrays", () => {
    const body = bytes(
      '{"apiKey":{"id":"key_1","secret":"sk_1"},"keys":[{"secret":"sk_2"}],"secret":"sk_3"}',
    );
    const out = text(redactJsonFields(body, ["/apiKey/secret", "/keys/0/secret", "/secret"]));
    expect(JSON.parse(out)).toEqual({
      apiKey: { id: "key_1", secret: null },
      keys: [{ secret: null }],
      secret: null,
    });
    expect(out).not.toContain("sk_");
  });

  it("never creates a member that is absent and keeps every other value exactly", () => {
    const out = text(
      redactJsonFields(bytes('{"n":9007199254740993,"a/b":{"~":"x"}}'), ["/missing/deep", "/a~1b/~0"]),
    );
    expect(out).toBe('{"n":9007199254740993,"a/b":{"~":null}}');
  });

  it("stores nothing of a body that is not JSON", () => {
    expect(redactJsonFields(bytes("secret=sk_1"), ["/secret"]).byteLength).toBe(0);
  });
});

describe("isFieldPointer", () => {
  it("accepts member pointers and refuses the whole document and bad escapes", () => {
    expect(isFieldPointer("/apiKey/secret")).toBe(true);
    expect(isFieldPointer("/a~1b~0")).toBe(true);
    expect(isFieldPointer("")).toBe(false);
    expect(isFieldPointer("secret")).toBe(false);
    expect(isFieldPointer("/a~2")).toBe(false);
  });
});
