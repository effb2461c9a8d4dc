/** @module Prefixed random ids (`ten_...`), readable in logs and URLs. */
import { randomBytes } from "node:crypto";

const PREFIXES = {
  tenant: "ten",
  apiKey: "key",
  audit: "aud",
  notification: "ntf",
  request: "req",
  event: "evt",
  creditEntry: "cre",
  subscriptionTransition: "sbt",
} as const;

export type IdKind = keyof typeof PREFIXES;

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** `length` random base62 characters (unbiased: bytes >= 248 are rejected). */
export function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += ALPHABET[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/**
 * A new id with the prefix of its kind and 20 base62 characters (~119 bits).
 *
 * @example
 * newId("tenant"); // "ten_3ZbVq0..."
 */
export const newId = (kind: IdKind): string => `${PREFIXES[kind]}_${randomBase62(20)}`;
