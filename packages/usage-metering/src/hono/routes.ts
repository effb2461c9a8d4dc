/** @module usageRoutes: the usage and entitlement routes of the v1 HTTP contract. */
import { validationProblem } from "@org/server-kit";
import { type Context, type Env, Hono } from "hono";
import { z } from "zod";
import type { Entitlement } from "../entitlements.js";
import { UsageInputError } from "../errors.js";
import { usageEventBatchSchema } from "../events.js";
import type { MeterSummary, UsageMetering, UsageSummary } from "../metering.js";
import type { Plan } from "../plans.js";
import { GRANULARITIES, GRANULARITY_MS } from "../time.js";

export interface UsageRoutesOptions<E extends Env> {
  metering: UsageMetering;
  /** The tenant of the request, as the app's tenant resolution set it (e.g. `(c) => c.get("tenant").id`). */
  tenantId: (c: Context<E>) => string;
  /** The resolved tenant's plan (metering view): entitlement checks then make no plan lookup. */
  plan?: (c: Context<E>) => Plan | undefined;
}

/** The body of `POST /v1/usage/events` (exported for OpenAPI documents and typed clients). */
export const usageEventsBody = z.object({ events: usageEventBatchSchema });

// One answer stays bounded: 100,000 minute buckets is about 69 days.
const MAX_POINTS = 100_000;

/** The query of `GET /v1/usage` (exported for OpenAPI documents and typed clients). */
export const usageQuery = z
  .object({
    meter: z.string().min(1),
    from: z.iso.datetime({ offset: true }),
    to: z.iso.datetime({ offset: true }),
    granularity: z.enum(GRANULARITIES).default("day"),
  })
  .refine((q) => Date.parse(q.from) < Date.parse(q.to), { message: "from must be before to", path: ["to"] })
  .refine((q) => (Date.parse(q.to) - Date.parse(q.from)) / GRANULARITY_MS[q.granularity] <= MAX_POINTS, {
    message: `the range holds more than ${MAX_POINTS} buckets at this granularity`,
    path: ["granularity"],
  });

/** The 200 body of `POST /v1/usage/events`. */
export interface UsageEventsResponse {
  accepted: number;
  duplicates: number;
}

/** The body of `GET /v1/usage`: the meter's buckets, `start` as ISO 8601. */
export interface UsageSeriesResponse {
  meter: string;
  points: { start: string; value: number }[];
}

/** The body of `GET /v1/usage/summary`: the current period (ISO 8601) and each meter's usage. */
export interface UsageSummaryResponse {
  period: { start: string; end: string };
  plan: string;
  currency: string;
  meters: MeterSummary[];
}

/**
 * A usage summary as the API shows it (period as ISO 8601), wherever it appears: `GET /v1/usage/summary`
 * and the `usage` of `GET /v1/billing/subscription`.
 *
 * @example
 * c.json(usageSummaryView(await metering.summary(tenantId)));
 */
export function usageSummaryView(s: UsageSummary): UsageSummaryResponse {
  return {
    period: { start: new Date(s.period.start).toISOString(), end: new Date(s.period.end).toISOString() },
    plan: s.plan,
    currency: s.currency,
    meters: s.meters,
  };
}

const requestIdOf = (c: Context): string | undefined => {
  const id = (c.get as (key: string) => unknown)("requestId");
  return typeof id === "string" ? id : undefined;
};

function inputProblem(c: Context, error: UsageInputError): Response {
  return validationProblem(
    new z.ZodError(
      error.issues.map((i) => ({
        code: "custom",
        path: i.path.split("."),
        message: i.message,
        input: undefined,
      })),
    ),
    requestIdOf(c),
  );
}

/**
 * Routes `POST /v1/usage/events`, `GET /v1/usage`, `GET /v1/usage/summary` and
 * `GET /v1/entitlements/:feature`. Bad input answers 400 problem+json (`validation_failed`) with the
 * zod issues. Mount behind the app's authentication and tenant resolution.
 *
 * @param options.metering the service from createUsageMetering()
 * @param options.tenantId reads the resolved tenant's id from the context
 * @example
 * app.route("/", usageRoutes<AppEnv>({ metering, tenantId: (c) => c.get("tenant").id }));
 */
export function usageRoutes<E extends Env = Env>(options: UsageRoutesOptions<E>): Hono<E> {
  const { metering, tenantId, plan } = options;
  const app = new Hono<E>();

  app.post("/v1/usage/events", async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return inputProblem(
        c,
        new UsageInputError([{ path: "(body)", message: "the body is not valid JSON" }]),
      );
    }
    const parsed = usageEventsBody.safeParse(body);
    if (!parsed.success) return validationProblem(parsed.error, requestIdOf(c));
    try {
      const { accepted, duplicates } = await metering.ingest(tenantId(c), parsed.data.events);
      return c.json({ accepted, duplicates } satisfies UsageEventsResponse, 200);
    } catch (error) {
      if (error instanceof UsageInputError) return inputProblem(c, error);
      throw error;
    }
  });

  app.get("/v1/usage/summary", async (c) =>
    c.json(usageSummaryView(await metering.summary(tenantId(c))) satisfies UsageSummaryResponse),
  );

  app.get("/v1/usage", async (c) => {
    const parsed = usageQuery.safeParse(c.req.query());
    if (!parsed.success) return validationProblem(parsed.error, requestIdOf(c));
    const q = parsed.data;
    try {
      const result = await metering.usage(tenantId(c), {
        meter: q.meter,
        fromMs: Date.parse(q.from),
        toMs: Date.parse(q.to),
        granularity: q.granularity,
      });
      return c.json({
        meter: result.meter,
        points: result.points.map((p) => ({ start: new Date(p.startMs).toISOString(), value: p.value })),
      } satisfies UsageSeriesResponse);
    } catch (error) {
      if (error instanceof UsageInputError) return inputProblem(c, error);
      throw error;
    }
  });

  app.get("/v1/entitlements/:feature", async (c) => {
    const entitlement = await metering.check(tenantId(c), c.req.param("feature"), plan?.(c));
    return c.json(entitlement satisfies Entitlement);
  });

  return app;
}
