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

  it("keeps integers beyond 2^53 apart", () => {
    const at = (n: string) => requestFingerprint("POST", "/v1/x", JSON_TYPE, bytes(`{"n": ${n}}`));
    expect(at("9007199254740993")).not.toBe(at("9007199254740992"));
    expect(at("12345678901234567890123")).not.toBe(at("12345678901234567890124"));
    expect(at("1e400")).not.toBe(at("2e400"));
    expect(at("42")).toBe(at("42.0"));
  });

  it("fingerprints ordinary JSON as before (records stored by earlier versions still match)", () => {
    expect(requestFingerprint("POST", "/v1/x", JSON_TYPE, bytes('{"b":[1.5,"x",true],"a":null}'))).toBe(
      "o9TtnyQhi5yqG00ud99CnpDgeBafY9bfge7jdBfaBks",
    );
  });

  it("sorts keys at every depth", () => {
    expect(canonicalJson({ b: 2, a: [{ d: 1, c: 0 }], u: undefined })).toBe('{"a":[{"c":0,"d":1}],"b":2}');
  });
});
