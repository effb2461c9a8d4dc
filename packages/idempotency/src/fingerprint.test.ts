import { describe, expect, it } from "vitest";
import { canonicalJson, requestFingerprint } from "./fingerprint.js";

const bytes = (s: string) => new TextEncoder().encode(s);
const JSON_TYPE = "application/json";

describe("requestFingerprint", () => {
  it("ignores JSON key order and whitespace", () => {
    const a = requestFingerprint("POST", "/v1/x", JSON_TYPE, bytes('{"a":1,"b":{"d":[1,2],"c":null}}'));
    const b = requestFingerprint(
      "POST",
      "/v1/x",
      JSON_TYPE,
      bytes('{ "b": {"c": null, "d": [1, 2]}, "a": 1 }'),
    );
    expect(a).toBe(b);
  });

  it("differs by method, path, body and array order", () => {
    const base = requestFingerprint("POST", "/v1/x", JSON_TYPE, bytes('{"a":[1,2]}'));
    expect(requestFingerprint("PUT", "/v1/x", JSON_TYPE, bytes('{"a":[1,2]}'))).not.toBe(base);
    expect(requestFingerprint("POST", "/v1/y", JSON_TYPE, bytes('{"a":[1,2]}'))).not.toBe(base);
    expect(requestFingerprint("POST", "/v1/x", JSON_TYPE, bytes('{"a":[2,1]}'))).not.toBe(base);
  });

  it("hashes non-JSON and unparsable bodies byte for byte", () => {
    const text = requestFingerprint("POST", "/v1/x", "text/plain", bytes("a=1"));
    expect(requestFingerprint("POST", "/v1/x", "text/plain", bytes("a=2"))).not.toBe(text);
    const broken = requestFingerprint("POST", "/v1/x", JSON_TYPE, bytes("{nope"));
    expect(requestFingerprint("POST", "/v1/x", JSON_TYPE, bytes("{nope "))).not.toBe(broken);
  });

  it("sorts keys at every depth", () => {
    expect(canonicalJson({ b: 2, a: [{ d: 1, c: 0 }], u: undefined })).toBe('{"a":[{"c":0,"d":1}],"b":2}');
  });
});
