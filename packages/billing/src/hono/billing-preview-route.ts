/** @module `GET /v1/billing/preview?plan=&interval=`: the proration of switching to a plan, from Stripe. */
import { apiRouter } from "@org/server-kit/hono";
import type { Context } from "hono";
import type { BillingDeps } from "../context.js";
import { previewPlanChange } from "../preview.js";
import { asBillingProblem } from "./billing-problem.js";
import { billingPreviewRoute } from "./billing-route-declarations.js";
import type { BillingTenant } from "./routes.js";

/**
 * Mounts `GET /v1/billing/preview`: 400 `plan_not_found` for an unknown plan, 404
 * `subscription_not_found` for a tenant without a live subscription, 502 `stripe_error` when Stripe
 * fails.
 *
 * @example
 * app.route("/", billingPreviewRoutes({ billing, tenantOf: (c) => c.get("billingTenant") }));
 */
export function billingPreviewRoutes(options: {
  billing: BillingDeps;
  tenantOf: (c: Context) => BillingTenant;
}) {
  const router = apiRouter();
  router.openapi(billingPreviewRoute, async (c) => {
    const preview = await previewPlanChange(options.billing, options.tenantOf(c), c.req.valid("query")).catch(
      asBillingProblem,
    );
    return c.json(preview, 200);
  });
  return router;
}
