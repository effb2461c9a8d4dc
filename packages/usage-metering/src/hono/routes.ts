/** @module usageRoutes: the usage and entitlement routes of the v1 HTTP contract. */
import { z } from "@hono/zod-openapi";
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
import type { Entitlement } from "../entitlements.js";
import { UsageInputError } from "../errors.js";
import { usageEventBatchSchema } from "../events.js";
import type { UsageMetering } from "../metering.js";
import type { Plan } from "../plans.js";
import { GRANULARITIES, GRANULARITY_MS } from "../time.js";
import { usageSummarySchema, usageSummaryView } from "./usage-summary.js";

export interface UsageRoutesOptions<E extends Env> {
  metering: UsageMetering;
  /** The tenant of the request, as the app's tenant resolution set it (e.g. `(c) => c.get("tenant").id`). */
  tenantId: (c: Context<E>) => string;
  /** The resolved tenant's plan (metering view): entitlement checks and the summary then make no plan lookup. */
  plan?: (c: Context<E>) => Plan | undefined;
}

/** The body of `POST /v1/usage/events`. */
export const usageEventsBody = z.object({ events: usageEventBatchSchema });

// One answer stays bounded: 100,000 minute buckets is about 69 days.
const MAX_POINTS = 100_000;

/** The query of `GET /v1/usage`. */
export const usageQuery = z
  .object({
    meter: z.string().min(1),
    from: z.iso.datetime({ offset: true }).openapi({ description: "Start, inclusive (ISO 8601)" }),
    to: z.iso.datetime({ offset: true }).openapi({ description: "End, exclusive (ISO 8601)" }),
    granularity: z.enum(GRANULARITIES).default("day"),
  })
  .refine((q) => Date.parse(q.from) < Date.parse(q.to), { message: "from must be before to", path: ["to"] })
  .refine((q) => (Date.parse(q.to) - Date.parse(q.from)) / GRANULARITY_MS[q.granularity] <= MAX_POINTS, {
    message: `the range holds more than ${MAX_POINTS} buckets at this granularity`,
    path: ["granularity"],
  });

/** The 200 body of `POST /v1/usage/events`. */
export const usageEventsResponseSchema = z
  .object({
    accepted: z.number().int().openapi({ description: "Events stored by this request" }),
    duplicates: z.number().int().openapi({ description: "Events whose id was already stored" }),
  })
  .openapi("UsageEventsResult");
export type UsageEventsResponse = z.infer<typeof usageEventsResponseSchema>;

/** The body of `GET /v1/usage`: the meter's buckets, `start` as ISO 8601. */
export const usageSeriesSchema = z
  .object({
    meter: z.string(),
    points: z.array(z.object({ start: z.string(), value: z.number().int() })),
  })
  .openapi("UsageSeries");
export type UsageSeriesResponse = z.infer<typeof usageSeriesSchema>;

/** The body of `GET /v1/entitlements/{feature}`: quota fields only for a meter the plan gives a quota. */
export const entitlementSchema = z
  .object({
    feature: z.string(),
    allowed: z.boolean(),
    limit: z.number().int().optional().openapi({ description: "The plan's included quantity" }),
    used: z.number().int().optional(),
    remaining: z.number().int().optional(),
  })
  .openapi("Entitlement");

const usage = { tags: ["usage"] };

const ingestRoute = apiRoute({
  method: "post",
  path: "/v1/usage/events",
  ...usage,
  summary: "Send usage events (1 to 1,000; duplicates by id counted once)",
  security: bearer("usage:write"),
  request: { headers: OPTIONAL_IDEMPOTENCY_KEY, body: jsonRequest(usageEventsBody) },
  responses: { 200: jsonResponse(usageEventsResponseSchema), ...problemResponses(400, 415) },
});

const seriesRoute = apiRoute({
  method: "get",
  path: "/v1/usage",
  ...usage,
  summary: "Usage of a meter over [from, to)",
  security: bearer("usage:read"),
  request: { query: usageQuery },
  responses: { 200: jsonResponse(usageSeriesSchema), ...problemResponses(400) },
});

const summaryRoute = apiRoute({
  method: "get",
  path: "/v1/usage/summary",
  ...usage,
  summary: "Per meter for the current period: used, included, overage and its cost",
  security: bearer("usage:read"),
  responses: { 200: jsonResponse(usageSummarySchema) },
});

const entitlementRoute = apiRoute({
  method: "get",
  path: "/v1/entitlements/{feature}",
  ...usage,
  summary: "Whether the plan allows a feature or meter, and what is left",
  security: bearer("usage:read"),
  request: { params: z.object({ feature: z.string().openapi({ example: "api_calls" }) }) },
  responses: { 200: jsonResponse(entitlementSchema) },
});

/** The `validation_failed` problem of input the metering refuses (an unknown meter, a late event). */
function inputProblem(error: UsageInputError) {
  return invalidInput(
    new z.ZodError(
      error.issues.map((i) => ({
        code: "custom",
        path: i.path.split("."),
        message: i.message,
        input: undefined,
      })),
    ),
  );
}

/**
 * Routes `POST /v1/usage/events`, `GET /v1/usage`, `GET /v1/usage/summary` and
 * `GET /v1/entitlements/{feature}`. Bad input answers 400 problem+json (`validation_failed`) with the
 * zod issues. Mount behind the app's authentication and tenant resolution, and its problem error handler.
 *
 * @param options.metering the service from createUsageMetering()
 * @param options.tenantId reads the resolved tenant's id from the context
 * @param [options.plan] reads the resolved tenant's plan from the context; without it the metering's
 *   `planFor` is asked
 * @example
 * app.route("/", usageRoutes<AppEnv>({ metering, tenantId: (c) => c.get("tenant").id }));
 */
export function usageRoutes<E extends Env = Env>(options: UsageRoutesOptions<E>) {
  const { metering, tenantId, plan } = options;
  const router = apiRouter<E>();

  router.openapi(ingestRoute, async (c) => {
    const { events } = c.req.valid("json");
    try {
      const { accepted, duplicates } = await metering.ingest(tenantId(c), events);
      return c.json({ accepted, duplicates }, 200);
    } catch (error) {
      if (error instanceof UsageInputError) throw inputProblem(error);
      throw error;
    }
  });

  router.openapi(summaryRoute, async (c) =>
    c.json(usageSummaryView(await metering.summary(tenantId(c), plan?.(c))), 200),
  );

  router.openapi(seriesRoute, async (c) => {
    const q = c.req.valid("query");
    try {
      const result = await metering.usage(tenantId(c), {
        meter: q.meter,
        fromMs: Date.parse(q.from),
        toMs: Date.parse(q.to),
        granularity: q.granularity,
      });
      return c.json(
        {
          meter: result.meter,
          points: result.points.map((p) => ({ start: new Date(p.startMs).toISOString(), value: p.value })),
        },
        200,
      );
    } catch (error) {
      if (error instanceof UsageInputError) throw inputProblem(error);
      throw error;
    }
  });

  router.openapi(entitlementRoute, async (c) => {
    const { feature } = c.req.valid("param");
    const entitlement: Entitlement = await metering.check(tenantId(c), feature, plan?.(c));
    return c.json(entitlement, 200);
  });

  return router;
}
