/** @module POST /webhooks/stripe: verify on the raw body, store once, answer 200 at once. */
import { type IncomingEvent, insertEvent, verifyStripeSignature } from "@org/billing";
import type { Database } from "@org/db";
import { ProblemError } from "@org/problem";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { WorkerMetrics } from "./metrics.js";

export interface IntakeOptions {
  db: Database;
  /** Accepted signing secrets (several during a rotation). */
  secrets: string[];
  toleranceSeconds?: number;
  /** @default 512 KiB (Stripe's events are far smaller) */
  maxBodyBytes?: number;
  metrics?: WorkerMetrics;
  nowSeconds?: () => number;
}

const looksLikeEvent = (value: unknown): value is IncomingEvent => {
  const e = value as IncomingEvent;
  return (
    !!e &&
    typeof e.id === "string" &&
    /^evt_/.test(e.id) &&
    typeof e.type === "string" &&
    Number.isInteger(e.created) &&
    // Every Stripe event carries its object; the inbox reads the customer from it.
    typeof e.data?.object === "object" &&
    e.data.object !== null
  );
};

/**
 * The intake route. Nothing is stored unless the signature verifies; a duplicate delivery answers
 * 200 like the first one, so Stripe stops retrying it.
 *
 * @example
 * app.route("/", intakeRoutes({ db, secrets: env.STRIPE_WEBHOOK_SECRET.split(",") }));
 */
export function intakeRoutes(options: IntakeOptions) {
  const app = new Hono();
  const maxSize = options.maxBodyBytes ?? 512 * 1024;
  app.post(
    "/webhooks/stripe",
    bodyLimit({
      maxSize,
      onError: () => {
        throw new ProblemError("payload_too_large", {
          detail: `webhook bodies are limited to ${maxSize} bytes`,
        });
      },
    }),
    async (c) => {
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
      if (!looksLikeEvent(verified.event)) {
        options.metrics?.intake.inc({ result: "rejected" });
        throw new ProblemError("validation_failed", { detail: "the body is not a Stripe event" });
      }
      const stored = await insertEvent(options.db, verified.event);
      options.metrics?.intake.inc({ result: stored ? "stored" : "duplicate" });
      return c.json({ received: true });
    },
  );
  return app;
}
