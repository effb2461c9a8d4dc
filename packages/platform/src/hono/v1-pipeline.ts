/** @module The middleware every /v1 tenant request passes before its route. */
import { idempotency, isIdempotentReplay } from "@org/idempotency/hono";
import { type RouteAccessTable, routeScopes, tenant } from "@org/multitenancy/hono";
import { ratelimit } from "@org/ratelimit/hono";
import { quota, usageCounter } from "@org/usage-metering/hono";
import type { Context, Hono } from "hono";
import type { PlatformDeps } from "../platform-deps.js";
import type { PlatformEnv, TenantSource } from "./v1.js";

const REFUSED = new Set([401, 403, 429]);

// c.get(), not c.var: Hono builds a new object for every c.var access, and these run per request.
const tenantOf = (c: Context<PlatformEnv>) => c.get("tenant");
const tenantId = (c: Context<PlatformEnv>) => c.get("tenant")?.id;

/**
 * Tenant resolution (cache) -> the route's scope (403 `insufficient_scope`) -> API-call metering
 * (counted after the answer; never a replay or a refusal) -> Idempotency-Key (a replay answers here
 * and costs no rate limit or usage) -> rate limit (the plan's policies) -> quota (hard limits).
 *
 * @param access what each route needs; read per request, so it may be completed after this call
 */
export function mountTenantPipeline(
  app: Hono<PlatformEnv>,
  deps: PlatformDeps,
  source: TenantSource,
  access: RouteAccessTable,
): void {
  app.use(
    "/v1/*",
    tenant({
      db: deps.db,
      cache: deps.tenantCache,
      apiKeys: deps.apiKeys,
      jwt: deps.jwt,
      ...("fixedTenantId" in source
        ? { fixedTenantId: source.fixedTenantId }
        : { baseDomain: source.baseDomain }),
    }),
  );
  // Before metering and rate limiting: a refusal for a missing scope costs the tenant nothing.
  app.use("/v1/*", routeScopes(access));
  app.use(
    "/v1/*",
    usageCounter<PlatformEnv>({
      metering: deps.metering,
      tenantId,
      skip: (c) => isIdempotentReplay(c) || REFUSED.has(c.res.status),
    }),
  );
  // Only for the methods it acts on: a GET does not pay for a middleware layer that passes it through.
  app.on(
    ["POST", "PUT", "PATCH", "DELETE"],
    "/v1/*",
    idempotency({
      store: deps.idempotencyStore,
      scope: (c) => (c as unknown as { var: PlatformEnv["Variables"] }).var.tenant.id,
    }),
  );
  app.use(
    "/v1/*",
    ratelimit<PlatformEnv>({
      limiter: deps.limiter,
      key: (c) => tenantOf(c).id,
      policies: (c) => deps.plans.policies(tenantOf(c).plan),
    }),
  );
  app.use("/v1/*", quota<PlatformEnv>({ metering: deps.metering, tenantId, plan: meteringPlanOf(deps) }));
}

/** The resolved tenant's plan, as metering sees it. */
export const meteringPlanOf = (deps: PlatformDeps) => (c: Context<PlatformEnv>) =>
  deps.plans.metering(tenantOf(c).plan);
