/** @module POST /webhooks/stripe: verify on the raw body, store once, answer 200 at once. */
import { z } from "@hono/zod-openapi";
import type { Database } from "@org/db";
import { ProblemError } from "@org/problem/hono";
import { apiRoute, apiRouter, jsonResponse, problemResponses } from "@org/server-kit/hono";
import { bodyLimit } from "hono/body-limit";
import { type IncomingEvent, insertEvent } from "../inbox/intake-store.js";
import { verifyStripeSignature } from "../webhooks/verify.js";

/** Counts deliveries by result; a prom-client `Counter<"result">` fits. */
export interface WebhookIntakeMetrics {
  intake: { inc(labels: { result: "stored" | "duplicate" | "rejected" }): void };
}

export interface WebhookIntakeRoutesOptions {
  db: Database;
  /** Accepted signing secrets (several during a rotation). */
  secrets: string[];
  /** @default 300 */
  toleranceSeconds?: number;
  /** @default 512 KiB (Stripe's events are far smaller) */
  maxBodyBytes?: number;
  metrics?: WebhookIntakeMetrics;
  nowSeconds?: () => number;
}

/**
 * What the intake requires of a signed body before storing it: a Stripe event, which always carries
 * its object (the inbox reads the customer from it). The rest of the event is stored as it came.
 */
export const stripeEventSchema = z
  .looseObject({
    id: z.string().regex(/^evt_/),
    type: z.string(),
    created: z.number().int(),
    livemode: z.boolean().optional(),
    data: z.looseObject({ object: z.record(z.string(), z.unknown()) }),
  })
  .openapi("StripeEvent");

/** The answer to every stored or duplicate delivery. */
export const webhookReceivedSchema = z.object({ received: z.literal(true) }).openapi("WebhookReceived");

const STRIPE_EVENT_REF = { $ref: "#/components/schemas/StripeEvent" };

/**
 * The body and `Stripe-Signature` are documented as plain OpenAPI objects, not as
 * `request.body`/`request.headers` schemas, which the router would enforce before the handler:
 * nothing about a request is judged before its signature verifies (an unsigned request answers
 * `webhook_signature_invalid`, never 415 or a schema error), and the signature is checked over the
 * body's bytes as they came, before anything decodes them.
 */
export const webhookIntakeRoute = apiRoute({
  method: "post",
  path: "/webhooks/stripe",
  tags: ["webhooks"],
  summary: "Stripe webhook intake: verified on the raw body, stored once, answered at once",
  description:
    "The body is verified against `Stripe-Signature` on its raw bytes before it is parsed (400 `webhook_signature_invalid`); a verified body that is not a Stripe event answers 400 `validation_failed`. A duplicate delivery answers 200 like the first one and is stored once.",
  parameters: [
    {
      name: "Stripe-Signature",
      in: "header",
      required: true,
      description: "`t=<unix seconds>,v1=<HMAC-SHA256>` computed with the endpoint's signing secret.",
      schema: { type: "string" },
    },
  ],
  requestBody: { required: true, content: { "application/json": { schema: STRIPE_EVENT_REF } } },
  responses: {
    200: jsonResponse(webhookReceivedSchema, "Stored, or already stored"),
    ...problemResponses(400, 413),
  },
});

/** The schema is the check: what the document promises is what the intake accepts. */
const isStripeEvent = (value: unknown): value is IncomingEvent => stripeEventSchema.safeParse(value).success;

/**
 * The intake route. Nothing is stored unless the signature verifies; a duplicate delivery answers
 * 200 like the first one, so Stripe stops retrying it. It bounds its own body, so mount it where
 * the app's general body limit is at least `maxBodyBytes`.
 *
 * @param options.secrets the endpoint's signing secrets
 * @param [options.toleranceSeconds=300] accepted clock skew of the signature's timestamp, both ways
 * @param [options.maxBodyBytes=524288] larger bodies answer 413 `payload_too_large`
 * @returns an `apiRouter()` serving `POST /webhooks/stripe`
 * @example
 * app.route("/", webhookIntakeRoutes({ db, secrets: env.STRIPE_WEBHOOK_SECRET, metrics: workerMetrics }));
 */
export function webhookIntakeRoutes(options: WebhookIntakeRoutesOptions) {
  const router = apiRouter();
  // The component the route's body refers to (not validated, see webhookIntakeRoute).
  router.openAPIRegistry.register("StripeEvent", stripeEventSchema);
  const maxSize = options.maxBodyBytes ?? 512 * 1024;
  router.use(
    "/webhooks/stripe",
    bodyLimit({
      maxSize,
      onError: () => {
        throw new ProblemError("payload_too_large", {
          detail: `webhook bodies are limited to ${maxSize} bytes`,
        });
      },
    }),
  );
  router.openapi(webhookIntakeRoute, async (c) => {
    const raw = new Uint8Array(await c.req.arrayBuffer());
    const verified = verifyStripeSignature(raw, c.req.header("Stripe-Signature"), {
      secrets: options.secrets,
      toleranceSeconds: options.toleranceSeconds ?? 300,
      nowSeconds: options.nowSeconds?.(),
    });
    if (!verified.ok) {
      options.metrics?.intake.inc({ result: "rejected" });
      throw new ProblemError("webhook_signature_invalid", {
        detail: `signature check failed: ${verified.reason}`,
      });
    }
    if (!isStripeEvent(verified.event)) {
      options.metrics?.intake.inc({ result: "rejected" });
      throw new ProblemError("validation_failed", { detail: "the body is not a Stripe event" });
    }
    const stored = await insertEvent(options.db, verified.event);
    options.metrics?.intake.inc({ result: stored ? "stored" : "duplicate" });
    return c.json({ received: true as const }, 200);
  });
  return router;
}
