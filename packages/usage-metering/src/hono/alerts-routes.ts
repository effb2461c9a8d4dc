/** @module GET and PUT /v1/usage/alerts: a tenant's usage-alert thresholds and spend caps. */
import { z } from "@hono/zod-openapi";
import type { Database } from "@org/db";
import {
  apiRoute,
  apiRouter,
  bearer,
  invalidInput,
  jsonRequest,
  jsonResponse,
  OPTIONAL_IDEMPOTENCY_KEY,
  problemResponses,
} from "@org/server-kit/hono";
import type { Context, Env } from "hono";
import { loadAlertSettings, saveAlertSettings } from "../alerts.js";
import type { UsageMetering } from "../metering.js";

const MAX_THRESHOLDS = 10;

/** One meter's settings. Percentages are of the plan's included quota; amounts in minor units. */
export const meterAlertSettingsSchema = z
  .object({
    percentages: z.array(z.number().int().min(1).max(1_000)).max(MAX_THRESHOLDS).optional(),
    overageAmounts: z.array(z.number().int().positive()).max(MAX_THRESHOLDS).optional(),
    spendCap: z.number().int().nonnegative().optional(),
  })
  .strict()
  .openapi("MeterAlertSettings");

/** The whole configuration: the body of `PUT /v1/usage/alerts` and the answer of both routes. */
export const usageAlertsSchema = z
  .object({ meters: z.record(z.string(), meterAlertSettingsSchema) })
  .strict()
  .openapi("UsageAlerts");
/** The body of `PUT /v1/usage/alerts` (the same schema as its answer). */
export const usageAlertsBody = usageAlertsSchema;
export type UsageAlerts = z.infer<typeof usageAlertsSchema>;

const alerts = { tags: ["usage"] };

const getAlertsRoute = apiRoute({
  method: "get",
  path: "/v1/usage/alerts",
  ...alerts,
  summary: "The tenant's usage alerts and spend caps",
  security: bearer("usage:read"),
  responses: { 200: jsonResponse(usageAlertsSchema, "The configuration") },
});

const putAlertsRoute = apiRoute({
  method: "put",
  path: "/v1/usage/alerts",
  ...alerts,
  summary: "Replace the usage alerts and spend caps (percent of quota, overage amounts, hard cap)",
  // A spend cap can refuse every metered request: a spending setting, as billing's are.
  security: bearer("billing:write"),
  request: { headers: OPTIONAL_IDEMPOTENCY_KEY, body: jsonRequest(usageAlertsBody) },
  responses: {
    200: jsonResponse(usageAlertsSchema, "The stored configuration"),
    ...problemResponses(400, 415),
  },
});

export interface UsageAlertRoutesOptions<E extends Env> {
  db: Database;
  metering: UsageMetering;
  tenantId: (c: Context<E>) => string;
  /**
   * Called (and awaited) after a PUT stored and reloaded the tenant's settings on this node: tell the
   * other nodes (e.g. publish a tenant invalidation that makes them call `reloadAlertSettings`).
   * @default none: other nodes reload within the metering's cache TTL
   */
  onChanged?: (tenantId: string) => unknown;
}

/**
 * Routes `GET` and `PUT /v1/usage/alerts`. A PUT replaces the whole configuration, reloads this
 * node's cached spend caps and calls `onChanged` so other nodes reload theirs (without it, within
 * the metering's cache TTL). A meter the
 * metering does not know answers 400 `validation_failed`. Mount behind the app's problem error handler.
 *
 * @example
 * app.route("/", usageAlertRoutes<AppEnv>({ db, metering, tenantId: (c) => c.get("tenant").id }));
 */
export function usageAlertRoutes<E extends Env = Env>(options: UsageAlertRoutesOptions<E>) {
  const { db, metering, tenantId, onChanged } = options;
  const router = apiRouter<E>();

  router.openapi(getAlertsRoute, async (c) =>
    c.json({ meters: await loadAlertSettings(db, tenantId(c)) }, 200),
  );

  router.openapi(putAlertsRoute, async (c) => {
    const body = c.req.valid("json");
    const unknown = Object.keys(body.meters).filter((m) => !metering.meters.get(m));
    if (unknown.length > 0)
      throw invalidInput(
        new z.ZodError(
          unknown.map((m) => ({
            code: "custom",
            path: ["meters", m],
            message: `unknown meter "${m}"`,
            input: m,
          })),
        ),
      );
    const tenant = tenantId(c);
    await saveAlertSettings(db, tenant, body.meters);
    await metering.reloadAlertSettings(tenant);
    await onChanged?.(tenant);
    return c.json(body, 200);
  });

  return router;
}
