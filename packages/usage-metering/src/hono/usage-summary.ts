/** @module The usage summary as the API shows it, wherever it appears (usage and billing answers). */
import { z } from "@hono/zod-openapi";
import type { UsageSummary } from "../metering.js";

/** One meter's usage in the current period; amounts in minor units of the summary's currency. */
export const meterSummarySchema = z
  .object({
    meter: z.string(),
    unit: z.string(),
    used: z.number().int(),
    included: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "Null when the plan sets no quota for the meter" }),
    overage: z.number().int(),
    overageCost: z.number().int().openapi({ description: "Minor units of `currency`" }),
  })
  .openapi("MeterSummary");

/**
 * The body of `GET /v1/usage/summary` and the `usage` of `GET /v1/billing/subscription`: the current
 * period (ISO 8601) and each meter's usage.
 *
 * @example
 * apiRoute({ ..., responses: { 200: jsonResponse(usageSummarySchema) } });
 */
export const usageSummarySchema = z
  .object({
    period: z.object({ start: z.string(), end: z.string() }),
    plan: z.string(),
    currency: z.string(),
    meters: z.array(meterSummarySchema),
  })
  .openapi("UsageSummary");

export type UsageSummaryResponse = z.infer<typeof usageSummarySchema>;

/**
 * A usage summary as the API shows it (period as ISO 8601), wherever it appears: `GET /v1/usage/summary`
 * and the `usage` of `GET /v1/billing/subscription`.
 *
 * @example
 * c.json(usageSummaryView(await metering.summary(tenantId)), 200);
 */
export function usageSummaryView(s: UsageSummary): UsageSummaryResponse {
  return {
    period: { start: new Date(s.period.start).toISOString(), end: new Date(s.period.end).toISOString() },
    plan: s.plan,
    currency: s.currency,
    meters: s.meters,
  };
}
