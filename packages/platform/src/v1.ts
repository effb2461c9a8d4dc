/** @module The v1 request pipeline and routes, mounted on a service app. */
import { adminConsole } from "@org/admin-console/hono";
import { type BillingDeps, creditBalance, type TenantForBilling } from "@org/billing";
import {
  adminCreditsRoutes,
  billingNotConfiguredRoutes,
  billingPreviewRoutes,
  billingRoutes,
  creditsRoutes,
} from "@org/billing/hono";
import { type Database, tenants } from "@org/db";
import type { IdempotencyStore } from "@org/idempotency";
import { type IdempotencyVariables, idempotency, isIdempotentReplay } from "@org/idempotency/hono";
import type { ApiKeyService, InvalidationBus, JwtVerifier, TenantCache } from "@org/multitenancy";
import {
  adminAuth,
  adminRoutes,
  type RouteAccess,
  type RouteAccessTable,
  routeScopes,
  type TenantVariables,
  tenant,
  tenantRoutes,
} from "@org/multitenancy/hono";
import { ProblemError } from "@org/problem";
import { createPolicy, type RateLimiter } from "@org/ratelimit";
import { failureLimit, type RateLimitVariables, ratelimit } from "@org/ratelimit/hono";
import type { ObserveVariables } from "@org/server-kit";
import type { Signup } from "@org/signup";
import { signupRoutes } from "@org/signup/hono";
import type { UsageMetering } from "@org/usage-metering";
import {
  quota,
  usageAlertRoutes,
  usageCounter,
  usagePreviewRoutes,
  usageRoutes,
  usageSummarySchema,
  usageSummaryView,
} from "@org/usage-metering/hono";
import { eq } from "drizzle-orm";
import type { Context, Hono } from "hono";
import { createMiddleware } from "hono/factory";
import type { openApiDocument } from "./openapi.js";
import type { PlatformPlans } from "./plans.js";
import { routeAccess } from "./route-access.js";

export type PlatformEnv = {
  Variables: ObserveVariables &
    TenantVariables &
    IdempotencyVariables &
    RateLimitVariables & { billingTenant: TenantForBilling & { plan: string } };
};

export interface PlatformDeps {
  db: Database;
  plans: PlatformPlans;
  bus: InvalidationBus;
  tenantCache: TenantCache;
  apiKeys: ApiKeyService;
  jwt?: JwtVerifier;
  idempotencyStore: IdempotencyStore;
  limiter: RateLimiter;
  metering: UsageMetering;
  /** Billing routes are served when present; otherwise they answer 501 billing_not_configured. */
  billing?: BillingDeps;
  /** Enables `/admin/*` (tenants) behind this bearer token, and the admin console it logs in to. */
  adminToken?: string;
}

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

const REFUSED = new Set([401, 403, 429]);

type Router = MountedV1["routers"][number];

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
  // c.get(), not c.var: Hono builds a new object for every c.var access, and these run per request.
  const tenantOf = (c: Context<PlatformEnv>) => c.get("tenant");
  const tenantId = (c: Context<PlatformEnv>) => c.get("tenant")?.id;
  const source = options.tenants;
  const clientIp = options.clientIp;
  if (options.signup && clientIp) {
    const signupPolicies = [ABUSE_POLICIES.signup];
    app.post(
      "/v1/tenants",
      ratelimit<PlatformEnv>({
        limiter: deps.limiter,
        key: (c) => {
          const ip = clientIp(c);
          return ip && `signup:${ip}`;
        },
        policies: () => signupPolicies,
      }),
    );
  }
  if (options.signup) {
    mount(
      signupRoutes({
        signup: options.signup,
        idempotencyStore: deps.idempotencyStore,
        ...("baseDomain" in source ? { baseDomain: source.baseDomain } : {}),
      }),
    );
  }
  if (clientIp) {
    app.use(
      "/v1/*",
      failureLimit<PlatformEnv>({
        limiter: deps.limiter,
        key: (c) => {
          const ip = clientIp(c);
          return ip && `authfail:${ip}`;
        },
        policy: ABUSE_POLICIES.failedAuth,
      }),
    );
  }
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
  // Before metering and rate limiting: a refusal for a missing scope costs the tenant nothing. The
  // table is the routes' own declarations: filled below once every router is mounted (routeScopes
  // reads it per request, so it is complete before the first one).
  const access: Record<string, RouteAccess> = {};
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
  const planOf = (c: Context<PlatformEnv>) => deps.plans.metering(tenantOf(c).plan);
  app.use("/v1/*", quota<PlatformEnv>({ metering: deps.metering, tenantId, plan: planOf }));

  mount(tenantRoutes({ db: deps.db, apiKeys: deps.apiKeys }));
  mount(usageRoutes<PlatformEnv>({ metering: deps.metering, tenantId: (c) => tenantOf(c).id, plan: planOf }));
  mount(
    usagePreviewRoutes({
      metering: deps.metering,
      tenantId: (c) => (c.get("tenant" as never) as PlatformEnv["Variables"]["tenant"]).id,
      planOf: (c) =>
        deps.plans.metering((c.get("tenant" as never) as PlatformEnv["Variables"]["tenant"]).plan),
      availableCredits: (tenantId, currency) => creditBalance(deps.db, tenantId, currency, Date.now()),
    }),
  );
  mount(
    creditsRoutes({
      db: deps.db,
      tenantOf: (c) => {
        const t = c.get("tenant" as never) as PlatformEnv["Variables"]["tenant"];
        return { id: t.id, currency: deps.plans.metering(t.plan).currency };
      },
    }),
  );
  mount(
    usageAlertRoutes<PlatformEnv>({ db: deps.db, metering: deps.metering, tenantId: (c) => tenantOf(c).id }),
  );

  const billing = deps.billing;
  if (billing) {
    // Billing needs the tenant's contact and Stripe customer, which resolution does not carry.
    app.use(
      "/v1/billing/*",
      createMiddleware<PlatformEnv>(async function billingTenant(c, next) {
        const [row] = await deps.db.select().from(tenants).where(eq(tenants.id, c.var.tenant.id));
        if (!row) throw new ProblemError("tenant_not_found");
        c.set("billingTenant", row);
        await next();
      }),
    );
    mount(
      billingPreviewRoutes({
        billing,
        tenantOf: (c) => c.get("billingTenant" as never) as PlatformEnv["Variables"]["billingTenant"],
      }),
    );
    mount(
      billingRoutes({
        billing,
        tenantOf: (c) => c.get("billingTenant" as never) as PlatformEnv["Variables"]["billingTenant"],
        usageOf: async (id) => usageSummaryView(await deps.metering.summary(id)),
        usageSchema: usageSummarySchema,
      }),
    );
  } else {
    mount(billingNotConfiguredRoutes({ usageSchema: usageSummarySchema }));
  }
  if (deps.adminToken) {
    mount(adminRoutes({ db: deps.db, bus: deps.bus, adminToken: deps.adminToken }));
    app.route("/", adminConsole({ db: deps.db, metering: deps.metering, adminToken: deps.adminToken }));
    // The admin check runs first, then Idempotency-Key (one scope for the operator): a retried
    // top-up replays its first answer instead of granting twice.
    const guard = adminAuth(deps.adminToken);
    app.post(
      "/admin/tenants/:id/credits",
      guard,
      idempotency({ store: deps.idempotencyStore, scope: () => "admin" }),
    );
    mount(adminCreditsRoutes({ db: deps.db, guard }));
  }
  Object.assign(access, routeAccess(routers));
  return { routers, access };
}
