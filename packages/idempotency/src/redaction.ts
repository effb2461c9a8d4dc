/** @module Redacting sensitive JSON fields (by JSON Pointer) from a response before it is stored. */
import { parse, stringify } from "lossless-json";

/**
 * The response header of a redacted replay: an RFC 8941 list of strings, the JSON Pointers whose
 * values were replaced by `null` before the response was stored.
 *
 * @example
 * res.headers.get(REDACTED_HEADER); // '"/apiKey/secret"'
 */
export const REDACTED_HEADER = "Idempotent-Redacted";

/**
 * Whether `pointer` is an RFC 6901 JSON Pointer naming a member (`/secret`, `/apiKey/secret`,
 * `/keys/0/secret`); the whole document (`""`) cannot be redacted.
 *
 * @example
 * isFieldPointer("/apiKey/secret"); // true
 */
export const isFieldPointer = (pointer: string): boolean =>
  pointer.startsWith("/") && !/~[^01]|~$/.test(pointer);

const tokensOf = (pointer: string) =>
  pointer
    .slice(1)
    .split("/")
    .map((t) => t.replaceAll("~1", "/").replaceAll("~0", "~"));

/** Sets the member `pointer` names to null when it exists; never creates one. */
function nullAt(document: unknown, pointer: string): void {
  const tokens = tokensOf(pointer);
  const last = tokens.pop() as string;
  let parent = document;
  for (const token of tokens) {
    if (parent === null || typeof parent !== "object" || !Object.hasOwn(parent, token)) return;
    parent = (parent as Record<string, unknown>)[token];
  }
  if (parent !== null && typeof parent === "object" && Object.hasOwn(parent, last)) {
    (parent as Record<string, unknown>)[last] = null;
  }
}

/**
 * The JSON body with the members at `pointers` set to `null`, every other value kept exactly (numbers
 * keep their digits). A body that is not JSON is not stored at all: an empty body comes back, since
 * what it holds cannot be told apart from the secret.
 *
 * @example
 * redactJsonFields(bytes('{"id":"key_1","secret":"sk_..."}'), ["/secret"]); // '{"id":"key_1","secret":null}'
 */
export function redactJsonFields(body: Uint8Array, pointers: readonly string[]): Uint8Array {
  let document: unknown;
  try {
    document = parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString());
  } catch {
    return new Uint8Array();
  }
  for (const pointer of pointers) nullAt(document, pointer);
  return new TextEncoder().encode(stringify(document) ?? "");
}
