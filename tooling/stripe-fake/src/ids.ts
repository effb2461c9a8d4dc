/** @module Stripe-style prefixed ids (`cus_...`, `sub_...`). */
import { randomBytes } from "node:crypto";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/**
 * A new random id with Stripe's prefix convention.
 *
 * @param prefix - e.g. `cus`, `sub`, `in`, `evt`
 * @returns `${prefix}_` followed by 24 alphanumerics
 * @example
 * newStripeId("cus"); // "cus_Qh3..."
 */
export function newStripeId(prefix: string): string {
  const bytes = randomBytes(24);
  let out = "";
  for (const byte of bytes) out += ALPHABET[byte % ALPHABET.length];
  return `${prefix}_${out}`;
}
