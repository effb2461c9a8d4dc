/** @module `/v1/billing/*` on a deployment without Stripe: documented as usual, answering 501. */
import type { z } from "@hono/zod-openapi";
import { ProblemError } from "@org/problem/hono";
import { apiRouter } from "@org/server-kit/hono";
import { billingPreviewRoute, billingRouteDeclarations } from "./billing-route-declarations.js";

export interface BillingNotConfiguredRoutesOptions {
  /** The schema of the subscription's `usage`, as given to `billingRoutes`, so both documents agree. */
  usageSchema?: z.ZodType;
}

function billingNotConfigured(): never {
  throw new ProblemError("billing_not_configured", {
    detail: "Billing is not configured on this server: set STRIPE_SECRET_KEY to enable it.",
  });
}

/**
 * Answers every `/v1/billing/*` request with 501 `billing_not_configured` (self-hosted without
 * Stripe), and declares the same routes as {@link billingRoutes} and {@link billingPreviewRoutes}.
 *
 * @example
 * app.route("/", env.STRIPE_SECRET_KEY ? billingRoutes(...) : billingNotConfiguredRoutes({ usageSchema }));
 */
export function billingNotConfiguredRoutes(options: BillingNotConfiguredRoutesOptions = {}) {
  const router = apiRouter();
  // Before the declared routes' validators: a request billing could never serve is not judged
  // on its query or body, and paths that no route declares answer the same.
  router.use("/v1/billing/*", billingNotConfigured);
  for (const route of [billingPreviewRoute, ...Object.values(billingRouteDeclarations(options.usageSchema))])
    router.openapi(route, billingNotConfigured);
  return router;
}
