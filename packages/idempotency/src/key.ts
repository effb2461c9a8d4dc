/** @module Parsing the Idempotency-Key header: a structured-field string (with parameters) or a bare token. */
import { parseItem } from "structured-headers";

/**
 * The longest key accepted, in characters.
 *
 * @example
 * if (key.length > MAX_KEY_LENGTH) throw new Error("key too long");
 */
export const MAX_KEY_LENGTH = 255;

export type ParsedKey = { ok: true; key: string } | { ok: false; reason: string };

const isPrintable = (code: number) => code >= 0x20 && code <= 0x7e;

/**
 * Reads an `Idempotency-Key` value. The IETF draft defines it as an RFC 8941 sf-string (`"abc"`),
 * which may carry parameters (`"abc";foo=1`); many clients send the bare value (`abc`). Both are
 * accepted and mean the same key: a value that starts with `"` is parsed as a structured-field item
 * with the `structured-headers` library (parameters are allowed and do not change the key), anything
 * else is taken as is. The key must be 1..255 printable ASCII characters (0x20-0x7E).
 *
 * @example
 * parseIdempotencyKey('"order-42"');       // { ok: true, key: "order-42" }
 * parseIdempotencyKey('"order-42";v=1');   // { ok: true, key: "order-42" }
 * parseIdempotencyKey("order-42");         // { ok: true, key: "order-42" }
 */
export function parseIdempotencyKey(raw: string): ParsedKey {
  const value = raw.trim();
  let key = value;
  if (value.startsWith('"')) {
    const unquoted = parseSfString(value);
    if (unquoted === undefined) return { ok: false, reason: "not a valid structured-field string" };
    key = unquoted;
  }
  if (key.length === 0) return { ok: false, reason: "the key is empty" };
  if (key.length > MAX_KEY_LENGTH) {
    return { ok: false, reason: `the key is longer than ${MAX_KEY_LENGTH} characters` };
  }
  for (let i = 0; i < key.length; i++) {
    if (!isPrintable(key.charCodeAt(i))) {
      return { ok: false, reason: "the key must be printable ASCII characters" };
    }
  }
  return { ok: true, key };
}

/** The string of an sf-item whose bare item is a string (parameters ignored); undefined otherwise. */
function parseSfString(value: string): string | undefined {
  try {
    const [item] = parseItem(value);
    return typeof item === "string" ? item : undefined;
  } catch {
    return undefined;
  }
}
