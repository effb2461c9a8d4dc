/** @module GET and PUT /v1/usage/alerts: a tenant's usage-alert thresholds and spend caps. */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Database } from "@org/db";
import { validationProblem } from "@org/server-kit";
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
  .strict();

/** The body of `PUT /v1/usage/alerts` and of its answers: the whole configuration. */
export const usageAlertsBody = z.object({ meters: z.record(z.string(), meterAlertSettingsSchema) }).strict();
export type UsageAlerts = z.infer<typeof usageAlertsBody>;

const problem = {
  description: "Problem details (RFC 9457)",
  content: {
    "application/problem+json": {
      schema: z.object({ type: z.string(), title: z.string(), status: z.number(), code: z.string() }),
    },
  },
};
const alertsJson = { content: { "application/json": { schema: usageAlertsBody } } };

const getAlerts = createRoute({
  method: "get",
  path: "/v1/usage/alerts",
  summary: "The tenant's usage alerts and spend caps",
  responses: { 200: { description: "The configuration", ...alertsJson } },
});

const putAlerts = createRoute({
  method: "put",
  path: "/v1/usage/alerts",
  summary: "Replace the tenant's usage alerts and spend caps",
  request: { body: { required: true, ...alertsJson } },
  responses: { 200: { description: "The stored configuration", ...alertsJson }, 400: problem },
});

export interface UsageAlertRoutesOptions<E extends Env> {
  db: Database;
  metering: UsageMetering;
  tenantId: (c: Context<E>) => string;
}

/**
 * Routes `GET` and `PUT /v1/usage/alerts`. A PUT replaces the whole configuration and reloads this
 * node's cached spend caps; other nodes reload theirs within the metering's cache TTL.
 *
 * @example
 * app.route("/", usageAlertRoutes<AppEnv>({ db, metering, tenantId: (c) => c.get("tenant").id }));
 */
export function usageAlertRoutes<E extends Env = Env>(options: UsageAlertRoutesOptions<E>) {
  const { db, metering, tenantId } = options;
  const app = new OpenAPIHono<E>({
    defaultHook: (result, c) =>
      result.success ? undefined : validationProblem(result.error, c.get("requestId" as never)),
  });

  app.openapi(getAlerts, async (c) =>
    c.json({ meters: await loadAlertSettings(db, tenantId(c as Context<E>)) }, 200),
  );

  app.openapi(putAlerts, async (c) => {
    const body = c.req.valid("json");
    const unknown = Object.keys(body.meters).filter((m) => !metering.meters.get(m));
    if (unknown.length > 0)
      return validationProblem(
        new z.ZodError(
          unknown.map((m) => ({
            code: "custom",
            path: ["meters", m],
            message: `unknown meter "${m}"`,
            input: m,
          })),
        ),
      ) as never;
    const tenant = tenantId(c as Context<E>);
    await saveAlertSettings(db, tenant, body.meters);
    await metering.reloadAlertSettings(tenant);
    return c.json(body, 200);
  });

  return app;
}
