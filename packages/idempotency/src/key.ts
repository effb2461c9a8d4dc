/** @module Parsing the Idempotency-Key header: a bare token or a structured-field string. */

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
 * Reads an `Idempotency-Key` value. The IETF draft sends a structured-field string (`"abc"`);
 * many clients send the bare value (`abc`). Both are accepted and mean the same key: a value that
 * starts with `"` is parsed as an sf-string (only `\"` and `\\` escapes), anything else is taken
 * as is. The key must be 1..255 printable ASCII characters (0x20-0x7E).
 *
 * @example
 * parseIdempotencyKey('"order-42"'); // { ok: true, key: "order-42" }
 * parseIdempotencyKey("order-42");   // { ok: true, key: "order-42" }
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

/** RFC 8941 sf-string: `"` chars `"`, where `\` escapes only `"` and `\`. Undefined when malformed. */
function parseSfString(value: string): string | undefined {
  let out = "";
  for (let i = 1; i < value.length; i++) {
    const ch = value[i];
    if (ch === "\\") {
      const next = value[++i];
      if (next !== '"' && next !== "\\") return undefined;
      out += next;
    } else if (ch === '"') {
      return i === value.length - 1 ? out : undefined;
    } else {
      if (!isPrintable(value.charCodeAt(i))) return undefined;
      out += ch;
    }
  }
  return undefined;
}
