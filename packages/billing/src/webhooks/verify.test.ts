import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { verifyStripeSignature } from "./verify.js";

const stripe = new Stripe("sk_test_123");
const secret = "whsec_test_secret_one";
const now = 1_790_000_000;
const payload = JSON.stringify(
  { id: "evt_1", object: "event", type: "invoice.paid", data: { object: {} } },
  null,
  2,
);
const sign = (body: string, options: { secret?: string; timestamp?: number } = {}) =>
  stripe.webhooks.generateTestHeaderString({
    payload: body,
    secret: options.secret ?? secret,
    timestamp: options.timestamp ?? now,
  });

describe("verifyStripeSignature (payloads signed by the official SDK)", () => {
  it("accepts a valid signature and returns the event", () => {
    const result = verifyStripeSignature<{ id: string }>(payload, sign(payload), {
      secrets: [secret],
      nowSeconds: now,
    });
    expect(result).toEqual({ ok: true, event: expect.objectContaining({ id: "evt_1" }) });
  });

  it("refuses a missing or malformed header", () => {
    expect(verifyStripeSignature(payload, undefined, { secrets: [secret], nowSeconds: now })).toEqual({
      ok: false,
      reason: "missing_header",
    });
    expect(verifyStripeSignature(payload, "garbage", { secrets: [secret], nowSeconds: now })).toEqual({
      ok: false,
      reason: "malformed_header",
    });
    expect(verifyStripeSignature(payload, `t=${now}`, { secrets: [secret], nowSeconds: now })).toEqual({
      ok: false,
      reason: "no_v1_signature",
    });
  });

  it("refuses a tampered body", () => {
    const tampered = payload.replace("invoice.paid", "invoice.voided");
    expect(
      verifyStripeSignature(tampered, sign(payload), { secrets: [secret], nowSeconds: now }),
    ).toMatchObject({
      ok: false,
      reason: "signature_mismatch",
    });
  });

  it("refuses the same JSON re-serialised (the raw bytes are what is signed)", () => {
    const reserialised = JSON.stringify(JSON.parse(payload));
    expect(reserialised).not.toBe(payload);
    expect(
      verifyStripeSignature(reserialised, sign(payload), { secrets: [secret], nowSeconds: now }).ok,
    ).toBe(false);
  });

  it("refuses a wrong secret", () => {
    expect(
      verifyStripeSignature(payload, sign(payload, { secret: "whsec_other" }), {
        secrets: [secret],
        nowSeconds: now,
      }).ok,
    ).toBe(false);
  });

  it("refuses timestamps outside the tolerance, both ways", () => {
    const old = sign(payload, { timestamp: now - 301 });
    const future = sign(payload, { timestamp: now + 301 });
    expect(verifyStripeSignature(payload, old, { secrets: [secret], nowSeconds: now })).toMatchObject({
      reason: "timestamp_too_old",
    });
    expect(verifyStripeSignature(payload, future, { secrets: [secret], nowSeconds: now })).toMatchObject({
      reason: "timestamp_in_future",
    });
    expect(
      verifyStripeSignature(payload, sign(payload, { timestamp: now - 299 }), {
        secrets: [secret],
        nowSeconds: now,
      }).ok,
    ).toBe(true);
  });

  it("accepts either secret during a rotation, and a header with several v1 signatures", () => {
    const next = "whsec_test_secret_two";
    expect(
      verifyStripeSignature(payload, sign(payload, { secret: next }), {
        secrets: [secret, next],
        nowSeconds: now,
      }).ok,
    ).toBe(true);
    const header = `${sign(payload, { secret: "whsec_retired" })},v1=${sign(payload).split("v1=")[1]}`;
    expect(verifyStripeSignature(payload, header, { secrets: [secret], nowSeconds: now }).ok).toBe(true);
  });

  it("agrees with the SDK's own constructEvent on what it accepts", () => {
    const header = sign(payload, { timestamp: Math.floor(Date.now() / 1000) });
    expect(() => stripe.webhooks.constructEvent(payload, header, secret)).not.toThrow();
    expect(verifyStripeSignature(payload, header, { secrets: [secret] }).ok).toBe(true);
  });
});
