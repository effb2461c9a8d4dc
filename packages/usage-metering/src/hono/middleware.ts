/** @module Request-path middleware: count API calls, enforce a hard quota. */
import { ProblemError } from "@org/problem/hono";
import type { Context, Env, MiddlewareHandler } from "hono";
import type { Entitlement } from "../entitlements.js";
import type { UsageMetering } from "../metering.js";
import type { Plan } from "../plans.js";

export interface UsageCounterOptions<E extends Env> {
  metering: UsageMetering;
  /** The resolved tenant, or undefined for requests that belong to none (they are not counted). */
  tenantId: (c: Context<E>) => string | undefined;
  /** @default "api_calls" */
  meter?: string;
  /**
   * Requests not to count. @default a replayed idempotent response (`Idempotent-Replayed: true`),
   * which the design says is not a new API call.
   */
  skip?: (c: Context<E>) => boolean;
}

const isReplay = <E extends Env>(c: Context<E>): boolean =>
  c.res.headers.get("Idempotent-Replayed") === "true";

/**
 * Counts one unit of `meter` per request after the handler ran, in memory (no I/O on the request).
 *
 * @example
 * app.use("/v1/*", usageCounter<AppEnv>({ metering, tenantId: (c) => c.get("tenant")?.id }));
 */
export const usageCounter = <E extends Env = Env>(options: UsageCounterOptions<E>): MiddlewareHandler<E> => {
  const { metering, tenantId, meter = "api_calls", skip = isReplay } = options;
  if (!metering.meters.get(meter)) throw new Error(`usageCounter: unknown meter "${meter}"`);
  return async function usageCounter(c, next) {
    await next();
    const tenant = tenantId(c);
    if (tenant !== undefined && !skip(c)) metering.increment(tenant, meter);
  };
};

export interface QuotaOptions<E extends Env> {
  metering: UsageMetering;
  tenantId: (c: Context<E>) => string | undefined;
  /**
   * The resolved tenant's plan (its metering view), read from the context: the check then never asks
   * `planFor`. @default none: the plan comes from the metering's `planFor`.
   */
  plan?: (c: Context<E>) => Plan | undefined;
  /** @default "api_calls" */
  meter?: string;
  /**
   * Requests the spend cap never refuses. @default the usage alerts routes, so a tenant past its cap
   * can still raise it.
   */
  spendCapExempt?: (c: Context<E>) => boolean;
}

const isAlertsRoute = <E extends Env>(c: Context<E>): boolean => c.req.path === "/v1/usage/alerts";

/**
 * Refuses a request with 429 `quota_exceeded` (problem+json) when the tenant's plan has a hard
 * limit on `meter` and it is used up. Answered from the entitlement cache: no database round trip.
 * Soft limits and meters without a quota never refuse. With `plan`, the resolved tenant's plan is
 * used and no plan lookup is made. Past the tenant's spend cap (usage alerts, cached) it refuses
 * with 402 `payment_required`.
 *
 * @throws ProblemError `quota_exceeded` or `payment_required` for the request.
 * @example
 * app.use("/v1/*", quota<AppEnv>({
 *   metering,
 *   tenantId: (c) => c.get("tenant")?.id,
 *   plan: (c) => plans.metering(c.get("tenant").plan),
 * }));
 */
export const quota = <E extends Env = Env>(options: QuotaOptions<E>): MiddlewareHandler<E> => {
  const {
    metering,
    tenantId,
    plan = () => undefined,
    meter = "api_calls",
    spendCapExempt = isAlertsRoute,
  } = options;
  const enforce = (entitlement: Entitlement) => {
    if (!entitlement.allowed) {
      const { limit, used } = entitlement;
      throw new ProblemError("quota_exceeded", {
        detail: `The plan includes ${limit} ${meter} per period and ${used} are used.`,
        extensions: { meter, limit, used },
      });
    }
  };
  const enforceSpendCap = (c: Context<E>, tenant: string, tenantPlan: Plan | undefined) => {
    if (!spendCapExempt(c) && metering.overSpendCap(tenant, meter, tenantPlan))
      throw new ProblemError("payment_required", {
        detail: `The overage on ${meter} has reached the spend cap set in the usage alerts.`,
        extensions: { meter },
      });
  };
  // Not an async function: on a cached check (every request but a tenant's first) the chain's
  // promise is handed on as it is.
  return function quota(c, next) {
    const tenant = tenantId(c);
    if (tenant === undefined) return next();
    const tenantPlan = plan(c);
    const cached = metering.checkCached(tenant, meter, tenantPlan);
    if (cached === undefined) {
      return metering.check(tenant, meter, tenantPlan).then((entitlement) => {
        enforce(entitlement);
        enforceSpendCap(c, tenant, tenantPlan);
        return next();
      });
    }
    enforce(cached);
    enforceSpendCap(c, tenant, tenantPlan);
    return next();
  };
};
