/** @module `GET /v1/usage/preview`: the current period's overage as it would be billed, credits included. */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import type { UsageMetering } from "../metering.js";
import { previewOverage } from "../overage-preview.js";
import type { Plan } from "../plans.js";

export interface UsagePreviewRouteOptions {
  metering: Pick<UsageMetering, "meters" | "currentPeriod">;
  tenantId: (c: Context) => string;
  /** The tenant's plan now, with its metering terms. */
  planOf: (c: Context) => Plan;
  /** The tenant's credit balance in `currency` (billing's ledger); 0 without credits. */
  availableCredits?: (tenantId: string, currency: string) => Promise<number>;
}

const meterPreview = z.object({
  meter: z.string(),
  used: z.number().int(),
  included: z.number().int(),
  overage: z.number().int(),
  amount: z.number().int(),
  credits: z.number().int(),
  reportQuantity: z.number().int(),
  reportAmount: z.number().int(),
});

/** `GET /v1/usage/preview` as an OpenAPI route. */
export const usagePreviewRoute = createRoute({
  method: "get",
  path: "/v1/usage/preview",
  summary: "The current period's overage priced as it will be reported, and the credits that would cover it",
  responses: {
    200: {
      description: "OK",
      content: {
        "application/json": {
          schema: z.object({
            period: z.object({ start: z.string(), end: z.string() }),
            plan: z.string(),
            currency: z.string(),
            availableCredits: z.number().int(),
            meters: z.array(meterPreview),
          }),
        },
      },
    },
  },
});

/**
 * Mounts `GET /v1/usage/preview`: {@link previewOverage} over the current period's totals (buffered
 * counts included), the same split the reporter applies once the period has closed.
 *
 * @example
 * app.route("/", usagePreviewRoutes({ metering, tenantId: (c) => c.get("tenant").id, planOf }));
 */
export function usagePreviewRoutes(options: UsagePreviewRouteOptions) {
  const app = new OpenAPIHono();
  app.openapi(usagePreviewRoute, async (c) => {
    const tenantId = options.tenantId(c);
    const plan = options.planOf(c);
    const { period, totals } = await options.metering.currentPeriod(tenantId);
    const available = (await options.availableCredits?.(tenantId, plan.currency)) ?? 0;
    return c.json(
      {
        period: { start: new Date(period.start).toISOString(), end: new Date(period.end).toISOString() },
        plan: plan.id,
        currency: plan.currency,
        availableCredits: available,
        meters: previewOverage(options.metering.meters, plan, totals, available),
      },
      200,
    );
  });
  return app;
}
