/** @module The v1 request pipeline and routes, mounted on a service app. */
import type { TenantForBilling } from "@org/billing";
import type { IdempotencyVariables } from "@org/idempotency/hono";
import type { RouteAccess, RouteAccessTable, TenantVariables } from "@org/multitenancy/hono";
import { createPolicy } from "@org/ratelimit";
import type { RateLimitVariables } from "@org/ratelimit/hono";
import type { ObserveVariables } from "@org/server-kit/hono";
import type { Signup } from "@org/signup";
import type { Context, Hono } from "hono";
import type { PlatformDeps } from "../platform-deps.js";
import type { openApiDocument } from "./openapi.js";
import { routeAccess } from "./route-access.js";
import { mountFailedAuthLimit, mountSignup } from "./v1-edge.js";
import { mountTenantPipeline } from "./v1-pipeline.js";
import { mountAdmin, mountBilling, mountTenantRoutes } from "./v1-routes.js";

export type PlatformEnv = {
  Variables: ObserveVariables &
    TenantVariables &
    IdempotencyVariables &
    RateLimitVariables & { billingTenant: TenantForBilling & { plan: string } };
};

export type TenantSource =
  /** Self-hosted: every request belongs to this tenant; credentials must agree. */
  | { fixedTenantId: string }
  /** Multi-tenant: `{slug}.{baseDomain}` names the tenant; credentials must agree with it. */
  | { baseDomain: string };

export interface MountV1Options {
  tenants: TenantSource;
  /** Serves `POST /v1/tenants` (multi-tenant signup). */
  signup?: Signup;
  /**
   * The client's address as a limiter key (e.g. `clientIpKey(...)` of `@org/ratelimit/hono`).
   * With it, failed authentications and signups are limited per client ({@link ABUSE_POLICIES}).
   */
  clientIp?: (c: Context<PlatformEnv>) => string | undefined;
}

/**
 * Per-client limits at the edge: signups (`POST /v1/tenants`) and failed authentications (401s),
 * both refilling slowly so that a client probing keys or registering in bulk is held off for minutes.
 *
 * @example
 * ABUSE_POLICIES.failedAuth.burst; // 20
 */
export const ABUSE_POLICIES = {
  signup: createPolicy({ name: "signup", rate: 10, periodMs: 3_600_000, burst: 5 }),
  failedAuth: createPolicy({ name: "auth_failures", rate: 60, periodMs: 3_600_000, burst: 20 }),
};

/** A router of the v1 contract: its declarations are part of the document. */
export type Router = MountedV1["routers"][number];

export interface MountedV1 {
  /** The routers of the v1 contract, whose declarations make its OpenAPI document ({@link openApiDocument}). */
  routers: Parameters<typeof openApiDocument>[0];
  /** Every route of the app and what it needs ({@link routeAccess}): for `assertRoutesDeclared`. */
  access: RouteAccessTable;
}

/**
 * Mounts the platform's v1 surface. Every /v1 request goes: tenant resolution (cache) -> the
 * route's scope (as its declaration names it, {@link routeAccess}; 403 `insufficient_scope`) -> API-call
 * metering (counted after the answer; never a replay or a refusal) -> Idempotency-Key (a replay
 * answers here and costs no rate limit or usage) -> rate limit (the plan's policies) -> quota (hard
 * limits) -> the route. Signup sits before tenant resolution: it has no tenant yet.
 *
 * @example
 * const app = createServiceApp<PlatformEnv>({ logger, metrics, health });
 * mountV1(app, deps, { tenants: { baseDomain: "example.com" }, signup });
 */
export function mountV1(app: Hono<PlatformEnv>, deps: PlatformDeps, options: MountV1Options): MountedV1 {
  const routers: Router[] = [];
  const mount = (router: Router) => {
    app.route("/", router as unknown as Hono<PlatformEnv>);
    routers.push(router);
  };
  mountSignup(app, deps, options, mount);
  mountFailedAuthLimit(app, deps, options);
  // Filled once every router is mounted: the routes' own declarations say what each needs.
  const access: Record<string, RouteAccess> = {};
  mountTenantPipeline(app, deps, options.tenants, access);
  mountTenantRoutes(mount, deps);
  mountBilling(app, mount, deps);
  mountAdmin(app, mount, deps);
  Object.assign(access, routeAccess(routers));
  return { routers, access };
}
