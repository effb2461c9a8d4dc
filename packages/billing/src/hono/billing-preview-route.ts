/** @module `GET /v1/billing/preview?plan=&interval=`: the proration of switching to a plan, from Stripe. */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { ProblemError } from "@org/problem";
import { validationProblem } from "@org/server-kit";
import type { Context } from "hono";
import { z } from "zod";
import type { BillingDeps } from "../context.js";
import { BillingError } from "../errors.js";
import { previewPlanChange } from "../preview.js";
import type { BillingTenant } from "./routes.js";

/** The query of `GET /v1/billing/preview` (exported for OpenAPI documents). */
export const billingPreviewQuery = z.object({
  plan: z.string().min(1).max(64),
  interval: z.enum(["month", "year"]).optional(),
});

const problem = {
  description: "RFC 9457 problem with a stable `code`",
  content: { "application/problem+json": { schema: z.object({ code: z.string() }) } },
};

/** `GET /v1/billing/preview` as an OpenAPI route. */
export const billingPreviewRoute = createRoute({
  method: "get",
  path: "/v1/billing/preview",
  summary: "What switching to a plan now would invoice (Stripe's prorated invoice preview)",
  request: { query: billingPreviewQuery },
  responses: {
    200: {
      description: "OK",
      content: {
        "application/json": {
          schema: z.object({
            plan: z.string(),
            interval: z.enum(["month", "year"]),
            currency: z.string(),
            amountDue: z.number().int(),
            prorationDate: z.string(),
            lines: z.array(
              z.object({
                description: z.string().nullable(),
                amount: z.number().int(),
                proration: z.boolean(),
              }),
            ),
          }),
        },
      },
    },
    400: problem,
    404: problem,
  },
});

/**
 * Mounts `GET /v1/billing/preview`: 400 `plan_not_found` for an unknown plan, 404
 * `subscription_not_found` for a tenant without a live subscription.
 *
 * @example
 * app.route("/", billingPreviewRoutes({ billing, tenantOf: (c) => c.get("billingTenant") }));
 */
export function billingPreviewRoutes(options: {
  billing: BillingDeps;
  tenantOf: (c: Context) => BillingTenant;
}) {
  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (!result.success) return validationProblem(result.error, c.get("requestId" as never));
    },
  });
  app.openapi(billingPreviewRoute, async (c) => {
    const preview = await previewPlanChange(options.billing, options.tenantOf(c), c.req.valid("query")).catch(
      (error) => {
        if (error instanceof BillingError) throw new ProblemError(error.code, { detail: error.message });
        throw error;
      },
    );
    return c.json(preview, 200);
  });
  return app;
}
