/** @module `GET /v1/usage/preview`: the current period's overage as it would be billed, credits included. */
import { z } from "@hono/zod-openapi";
import { apiRoute, apiRouter, bearer, jsonResponse } from "@org/server-kit/hono";
import type { Context } from "hono";
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

/** One meter of the preview; amounts in minor units of the plan's currency. */
export const meterPreviewSchema = z
  .object({
    meter: z.string(),
    used: z.number().int(),
    included: z.number().int(),
    overage: z.number().int().openapi({ description: "Units over the included quantity" }),
    amount: z.number().int().openapi({ description: "The overage's price" }),
    credits: z.number().int().openapi({ description: "What credits would pay" }),
    reportQuantity: z.number().int().openapi({ description: "Units that would be reported to Stripe" }),
    reportAmount: z.number().int().openapi({ description: "Their price" }),
  })
  .openapi("MeterPreview");

/** The body of `GET /v1/usage/preview`: the current period (ISO 8601) and each meter's priced overage. */
export const usagePreviewSchema = z
  .object({
    period: z.object({ start: z.string(), end: z.string() }),
    plan: z.string(),
    currency: z.string(),
    availableCredits: z.number().int(),
    meters: z.array(meterPreviewSchema),
  })
  .openapi("UsagePreview");
export type UsagePreviewResponse = z.infer<typeof usagePreviewSchema>;

/** `GET /v1/usage/preview` as an OpenAPI route. */
export const usagePreviewRoute = apiRoute({
  method: "get",
  path: "/v1/usage/preview",
  tags: ["usage"],
  summary: "The current period's overage priced as it will be reported, and the credits that would cover it",
  security: bearer("usage:read"),
  responses: { 200: jsonResponse(usagePreviewSchema) },
});

/**
 * Mounts `GET /v1/usage/preview`: {@link previewOverage} over the current period's totals (buffered
 * counts included), the same split the reporter applies once the period has closed.
 *
 * @example
 * app.route("/", usagePreviewRoutes({ metering, tenantId: (c) => c.get("tenant").id, planOf }));
 */
export function usagePreviewRoutes(options: UsagePreviewRouteOptions) {
  const router = apiRouter();
  router.openapi(usagePreviewRoute, async (c) => {
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
  return router;
}
