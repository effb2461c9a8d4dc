import { stripeWebhookEvents } from "@org/db";
import { problemErrorHandler } from "@org/problem/hono";
import { createTestDb, type TestDb } from "@org/testing";
import { eq } from "drizzle-orm";
import { Hono } from "hono";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { signedRequest, WEBHOOK_SECRET } from "../../test/signed-request.js";
import { fakeEvent } from "../testing.js";
import { webhookIntakeRoutes, webhookReceivedSchema } from "./webhook-intake-routes.js";

describe("POST /webhooks/stripe", () => {
  let t: TestDb;
  let app: Hono;
  let results: string[] = [];
  beforeAll(async () => {
    t = await createTestDb();
    app = new Hono();
    app.onError(problemErrorHandler());
    app.route(
      "/",
      webhookIntakeRoutes({
        db: t.db,
        secrets: [WEBHOOK_SECRET, "whsec_next_secret"],
        metrics: { intake: { inc: ({ result }) => results.push(result) } },
      }),
    );
  });
  beforeEach(() => {
    results = [];
  });
  afterAll(() => t.cleanup());

  const count = async (id: string) => t.db.$count(stripeWebhookEvents, eq(stripeWebhookEvents.id, id));

  it("stores a verified event as pending and answers 200 {received: true}", async () => {
    const event = fakeEvent({ customer: "cus_store" });
    const res = await app.request("/webhooks/stripe", signedRequest(event));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true });
    const [row] = await t.db.select().from(stripeWebhookEvents).where(eq(stripeWebhookEvents.id, event.id));
    expect(row).toMatchObject({
      status: "pending",
      type: event.type,
      stripeCustomerId: "cus_store",
      attempts: 0,
    });
    expect(row?.payload).toEqual(event);
    expect(results).toEqual(["stored"]);
  });

  it("answers a duplicate delivery 200 and stores it once, even when concurrent", async () => {
    const event = fakeEvent();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => app.request("/webhooks/stripe", signedRequest(event))),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(await count(event.id)).toBe(1);
    expect(results.filter((r) => r === "stored")).toHaveLength(1);
    expect(results.filter((r) => r === "duplicate")).toHaveLength(19);
  });

  it("verifies the signature over the raw bytes, not a re-serialization of the JSON", async () => {
    const event = fakeEvent({ type: "invoice.paid" });
    // Stripe pretty-prints its bodies: a check over re-serialized JSON would refuse this one.
    const body = `${JSON.stringify({ ...event, note: "caf\u00e9" }, null, 2)}\n`;
    const res = await app.request("/webhooks/stripe", signedRequest(event, { body }));
    expect(res.status).toBe(200);
    expect(webhookReceivedSchema.parse(await res.json())).toEqual({ received: true });
    expect(await count(event.id)).toBe(1);
  });

  it("accepts the second secret of a rotation", async () => {
    const event = fakeEvent();
    expect(
      (await app.request("/webhooks/stripe", signedRequest(event, { secret: "whsec_next_secret" }))).status,
    ).toBe(200);
  });

  it.each<[string, { secret?: string; skewSeconds?: number }]>([
    ["a wrong secret", { secret: "whsec_wrong" }],
    ["a timestamp too old", { skewSeconds: -301 }],
    ["a timestamp in the future", { skewSeconds: 301 }],
  ])("refuses %s with a problem 400 and stores nothing", async (_name, { skewSeconds, ...options }) => {
    const event = fakeEvent();
    const timestamp = skewSeconds ? Math.floor(Date.now() / 1000) + skewSeconds : undefined;
    const res = await app.request("/webhooks/stripe", signedRequest(event, { ...options, timestamp }));
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json()).toMatchObject({ code: "webhook_signature_invalid" });
    expect(await count(event.id)).toBe(0);
    expect(results).toEqual(["rejected"]);
  });

  it("refuses a tampered body and a missing signature", async () => {
    const event = fakeEvent();
    const request = signedRequest(event);
    const tampered = await app.request("/webhooks/stripe", {
      ...request,
      body: request.body.replace(event.type, "invoice.paid"),
    });
    expect(tampered.status).toBe(400);
    const unsigned = await app.request("/webhooks/stripe", { method: "POST", body: request.body });
    expect(unsigned.status).toBe(400);
    expect(await count(event.id)).toBe(0);
  });

  it("judges nothing before the signature: an unsigned body of any shape or type is a signature error", async () => {
    for (const init of [
      { body: "not json", headers: { "Content-Type": "text/plain" } },
      { body: '{"hello":"world"}', headers: { "Content-Type": "application/json" } },
      { body: '{"hello":"world"}' },
    ]) {
      const res = await app.request("/webhooks/stripe", { method: "POST", ...init });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: "webhook_signature_invalid" });
    }
  });

  it("refuses a signed body that is not an event", async () => {
    const res = await app.request("/webhooks/stripe", signedRequest({ hello: "world" }));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "validation_failed" });
    const noObject = { id: "evt_no_object", type: "invoice.paid", created: Math.floor(Date.now() / 1000) };
    const shapeless = await app.request("/webhooks/stripe", signedRequest(noObject));
    expect(shapeless.status).toBe(400);
    expect(await count("evt_no_object")).toBe(0);
    expect(results).toEqual(["rejected", "rejected"]);
  });

  it("bounds the body size", async () => {
    const event = { ...fakeEvent(), pad: "x".repeat(600 * 1024) };
    const res = await app.request("/webhooks/stripe", signedRequest(event));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: "payload_too_large" });
    expect(await count(event.id)).toBe(0);
  });
});
