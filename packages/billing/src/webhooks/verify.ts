/** @module Stripe webhook signatures, checked on the raw body. */
import { createHmac, timingSafeEqual } from "node:crypto";

export type SignatureFailure =
  | "missing_header"
  | "malformed_header"
  | "no_v1_signature"
  | "timestamp_too_old"
  | "timestamp_in_future"
  | "signature_mismatch"
  | "invalid_payload";

export type VerifyResult<T> = { ok: true; event: T } | { ok: false; reason: SignatureFailure };

export interface VerifyOptions {
  /** Secrets to accept (`whsec_...`); several during a rotation. */
  secrets: string[];
  /** How far the signed timestamp may be from now, either way. @default 300 */
  toleranceSeconds?: number;
  /** Seconds since the epoch; injected by tests. */
  nowSeconds?: number;
}

function parseHeader(header: string): { timestamp: number; signatures: string[] } | undefined {
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 1) return undefined;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t") {
      if (!/^\d{1,12}$/.test(value)) return undefined;
      timestamp = Number(value);
    } else if (key === "v1" && /^[0-9a-f]{64}$/.test(value)) {
      signatures.push(value);
    }
  }
  return timestamp === undefined ? undefined : { timestamp, signatures };
}

/**
 * Verifies a `Stripe-Signature` header (`t=...,v1=...[,v1=...]`) against the exact bytes received:
 * HMAC-SHA256 of `${t}.${body}` with any of the secrets, compared in constant time, with the
 * timestamp within the tolerance in both directions (a replay from the past or a forged future
 * timestamp is refused). Only then is the body parsed.
 *
 * @example
 * const result = verifyStripeSignature(rawBody, c.req.header("stripe-signature"), { secrets: [env.STRIPE_WEBHOOK_SECRET] });
 * if (!result.ok) return problemResponse("webhook_signature_invalid", { detail: result.reason });
 */
export function verifyStripeSignature<T = unknown>(
  rawBody: string | Uint8Array,
  header: string | undefined | null,
  options: VerifyOptions,
): VerifyResult<T> {
  if (!header) return { ok: false, reason: "missing_header" };
  const parsed = parseHeader(header);
  if (!parsed) return { ok: false, reason: "malformed_header" };
  if (parsed.signatures.length === 0) return { ok: false, reason: "no_v1_signature" };
  const tolerance = options.toleranceSeconds ?? 300;
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (parsed.timestamp < now - tolerance) return { ok: false, reason: "timestamp_too_old" };
  if (parsed.timestamp > now + tolerance) return { ok: false, reason: "timestamp_in_future" };
  const body = typeof rawBody === "string" ? Buffer.from(rawBody, "utf8") : Buffer.from(rawBody);
  const signedPayload = Buffer.concat([Buffer.from(`${parsed.timestamp}.`, "utf8"), body]);
  const matches = options.secrets.some((secret) => {
    const expected = createHmac("sha256", secret).update(signedPayload).digest();
    return parsed.signatures.some((sig) => {
      const given = Buffer.from(sig, "hex");
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
  });
  if (!matches) return { ok: false, reason: "signature_mismatch" };
  try {
    return { ok: true, event: JSON.parse(body.toString("utf8")) as T };
  } catch {
    return { ok: false, reason: "invalid_payload" };
  }
}
