/** @module The control API under `/_fake`: clock, checkout completion, faults, webhooks, reset. Not Stripe's. */
import { problemResponse } from "@org/problem";
import type { Hono } from "hono";
import { z } from "zod";
import { parseDuration } from "../clock.js";
import { StripeFakeError } from "../errors.js";
import type { FakeEnv } from "../http-env.js";
import type { StripeFake } from "../stripe-fake.js";

const durationSchema = z.union([z.number().int().nonnegative(), z.string().min(1)]);
const faultSchema = z.object({
  kind: z.enum(["error", "endpoint_error", "rate_limit", "hang", "drop_response"]),
  count: z.number().int().positive().optional(),
  path: z.string().optional(),
  method: z.string().optional(),
  status: z.number().int().min(400).max(599).optional(),
  hangMs: z.number().int().nonnegative().optional(),
  workDone: z.boolean().optional(),
});
const switchesSchema = z.object({
  duplicateRate: z.number().min(0).max(1).optional(),
  shuffle: z.boolean().optional(),
  delayMs: z.number().int().nonnegative().optional(),
  dropRate: z.number().min(0).max(1).optional(),
});
const completeSchema = z.object({ payment_method: z.string().optional(), email: z.string().optional() });
const failingSchema = z.object({ failing: z.boolean() });
const endpointSchema = z.object({ url: z.url() });

const readJson = async <T>(request: Request, schema: z.ZodType<T>): Promise<T | Response> => {
  const text = await request.text();
  let raw: unknown = {};
  try {
    raw = text ? JSON.parse(text) : {};
  } catch {
    return problemResponse("bad_request", { detail: "The body is not valid JSON" });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    return problemResponse("validation_failed", {
      detail: "The request body is not valid",
      extensions: {
        issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
      },
    });
  }
  return parsed.data;
};

/**
 * Mount the control API.
 *
 * @example
 * registerControl(app, fake);
 */
export function registerControl(app: Hono<FakeEnv>, fake: StripeFake): void {
  app.get("/_fake/health", (c) => c.json({ status: "ok" }));
  app.get("/_fake/clock", (c) => c.json({ now: fake.clock.now() }));
  app.post("/_fake/clock/advance", async (c) => {
    const body = await readJson(c.req.raw, z.object({ duration: durationSchema }));
    if (body instanceof Response) return body;
    let ms: number;
    try {
      ms = parseDuration(body.duration);
    } catch (error) {
      return problemResponse("validation_failed", { detail: (error as Error).message });
    }
    return c.json(fake.clock.advance(ms));
  });
  app.post("/_fake/checkout/sessions/:id/complete", async (c) => {
    const body = await readJson(c.req.raw, completeSchema);
    if (body instanceof Response) return body;
    try {
      const options: { paymentMethod?: string; email?: string } = {};
      if (body.payment_method) options.paymentMethod = body.payment_method;
      if (body.email) options.email = body.email;
      return c.json(fake.completeCheckout(c.req.param("id"), options));
    } catch (error) {
      if (error instanceof StripeFakeError) return c.json(error.body(), error.status as 400);
      throw error;
    }
  });
  app.post("/_fake/payment_methods/:id/failing", async (c) => {
    const body = await readJson(c.req.raw, failingSchema);
    if (body instanceof Response) return body;
    fake.setPaymentFailing(c.req.param("id"), body.failing);
    return c.json({ id: c.req.param("id"), failing: body.failing });
  });
  app.get("/_fake/faults", (c) => c.json({ data: fake.faults.active() }));
  app.post("/_fake/faults", async (c) => {
    const body = await readJson(c.req.raw, faultSchema);
    if (body instanceof Response) return body;
    const rule = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
    return c.json(fake.faults.inject(rule as z.infer<typeof faultSchema>), 201);
  });
  app.delete("/_fake/faults", (c) => {
    fake.faults.clear();
    return c.body(null, 204);
  });
  app.get("/_fake/webhooks", (c) =>
    c.json({
      endpoints: fake.webhooks.endpoints(),
      switches: fake.webhooks.switches(),
      deliveries: fake.webhooks.deliveries(),
    }),
  );
  app.post("/_fake/webhooks/endpoints", async (c) => {
    const body = await readJson(c.req.raw, endpointSchema);
    if (body instanceof Response) return body;
    fake.webhooks.addEndpoint(body.url);
    return c.json({ endpoints: fake.webhooks.endpoints() }, 201);
  });
  app.delete("/_fake/webhooks/endpoints", async (c) => {
    const body = await readJson(c.req.raw, endpointSchema);
    if (body instanceof Response) return body;
    fake.webhooks.removeEndpoint(body.url);
    return c.json({ endpoints: fake.webhooks.endpoints() });
  });
  app.post("/_fake/webhooks/switches", async (c) => {
    const body = await readJson(c.req.raw, switchesSchema);
    if (body instanceof Response) return body;
    const next = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
    return c.json(fake.webhooks.configure(next));
  });
  app.post("/_fake/webhooks/drop", async (c) => {
    const body = await readJson(c.req.raw, z.object({ count: z.number().int().positive() }));
    if (body instanceof Response) return body;
    fake.webhooks.dropNext(body.count);
    return c.json({ dropping: body.count });
  });
  app.post("/_fake/webhooks/idle", async (c) => {
    await fake.webhooks.idle();
    return c.json({ idle: true });
  });
  app.get("/_fake/meter_events", (c) => {
    const customer = c.req.query("customer");
    const eventName = c.req.query("event_name");
    const data = fake
      .meterEvents()
      .filter(
        (r) => (!customer || r.customer === customer) && (!eventName || r.event.event_name === eventName),
      );
    return c.json({ data, total: data.reduce((t, r) => t + r.value, 0) });
  });
  app.post("/_fake/reset", (c) => {
    fake.reset();
    return c.json({ reset: true });
  });
  app.all("/_fake/*", () => problemResponse("not_found", { detail: "No such control endpoint" }));
}
