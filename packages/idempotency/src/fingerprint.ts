/** @module The request fingerprint: method, path and a canonical form of the body. */
import { createHash } from "node:crypto";
import { isLosslessNumber, isSafeNumber, LosslessNumber, parse } from "lossless-json";

/**
 * JSON with object keys sorted at every depth, so `{"a":1,"b":2}` and `{"b":2,"a":1}` are equal.
 * A `LosslessNumber` (from `lossless-json`) is written as its source digits.
 *
 * @example
 * canonicalJson({ b: 2, a: [{ d: 1, c: 0 }] }); // '{"a":[{"c":0,"d":1}],"b":2}'
 */
export function canonicalJson(value: unknown): string {
  if (isLosslessNumber(value)) return value.value;
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.keys(value as Record<string, unknown>)
    .sort()
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(",")}}`;
}

/**
 * Numbers a double holds exactly become numbers (so `1.0` and `1` stay one request, and fingerprints
 * of ordinary bodies are what `JSON.parse` gave); any other number keeps its digits, so
 * 9007199254740993 and 9007199254740992 (equal after `JSON.parse`) stay two requests.
 */
const losslessNumber = (digits: string) =>
  isSafeNumber(digits) ? Number(digits) : new LosslessNumber(digits);

const isJson = (contentType: string | undefined) =>
  contentType !== undefined && /^application\/([a-z0-9.+-]*\+)?json\b/i.test(contentType.trim());

/**
 * SHA-256 (base64url) over method, path and the body. A JSON body is hashed in canonical form, so
 * key order and whitespace do not matter, and numbers keep every digit (no collision between integers
 * beyond 2^53); any other body (or JSON that does not parse) is hashed byte for byte.
 *
 * @example
 * requestFingerprint("POST", "/v1/orders", "application/json", bytes);
 */
export function requestFingerprint(
  method: string,
  path: string,
  contentType: string | undefined,
  body: Uint8Array,
): string {
  const hash = createHash("sha256").update(method).update("\u0000").update(path).update("\u0000");
  if (body.byteLength > 0 && isJson(contentType)) {
    let canonical: string | undefined;
    try {
      canonical = canonicalJson(
        parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString(), null, losslessNumber),
      );
    } catch {
      // not JSON after all: hashed as raw bytes below
    }
    if (canonical !== undefined) return hash.update("json\u0000").update(canonical).digest("base64url");
  }
  hash.update("raw\u0000").update(body);
  return hash.digest("base64url");
}
