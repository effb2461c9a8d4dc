/** @module The v1 routers, and the operator's routes beside them. */
import { adminConsole } from "@org/admin-console/hono";
import { creditBalance } from "@org/billing";
import {
  adminCreditsRoutes,
  billingNotConfiguredRoutes,
  billingPreviewRoutes,
  billingRoutes,
  creditsRoutes,
} from "@org/billing/hono";
import { tenants } from "@org/db";
import { idempotency } from "@org/idempotency/hono";
import { adminAuth, adminRoutes, tenantRoutes } from "@org/multitenancy/hono";
import { ProblemError } from "@org/problem/hono";
import {
  usageAlertRoutes,
  usagePreviewRoutes,
  usageRoutes,
  usageSummarySchema,
  usageSummaryView,
} from "@org/usage-metering/hono";
import { eq } from "drizzle-orm";
import type { Context, Hono } from "hono";
import { createMiddleware } from "hono/factory";
import type { PlatformDeps } from "../platform-deps.js";
import type { PlatformEnv, Router } from "./v1.js";
import { meteringPlanOf } from "./v1-pipeline.js";

type Mount = (router: Router) => void;
type Tenant = PlatformEnv["Variables"]["tenant"];

// The package routers are typed for their own env; they read the platform's variables by name.
const tenantOf = (c: Context) => c.get("tenant" as never) as Tenant;
const billingTenantOf = (c: Context) =>
  c.get("billingTenant" as never) as PlatformEnv["Variables"]["billingTenant"];

/** The tenant's own routes: the tenant and its keys, usage, alerts, credits. */
export function mountTenantRoutes(mount: Mount, deps: PlatformDeps): void {
  const planOf = meteringPlanOf(deps);
  mount(tenantRoutes({ db: deps.db, apiKeys: deps.apiKeys }));
  mount(usageRoutes<PlatformEnv>({ metering: deps.metering, tenantId: (c) => tenantOf(c).id, plan: planOf }));
  mount(
    usagePreviewRoutes({
      metering: deps.metering,
      tenantId: (c) => tenantOf(c).id,
      planOf: (c) => deps.plans.metering(tenantOf(c).plan),
      availableCredits: (tenantId, currency) => creditBalance(deps.db, tenantId, currency, Date.now()),
    }),
  );
  mount(
    creditsRoutes({
      db: deps.db,
      tenantOf: (c) => {
        const t = tenantOf(c);
        return { id: t.id, currency: deps.plans.metering(t.plan).currency };
      },
    }),
  );
  mount(
    usageAlertRoutes<PlatformEnv>({
      db: deps.db,
      metering: deps.metering,
      tenantId: (c) => tenantOf(c).id,
      // Every node (subscribed in createPlatformDeps) reloads the tenant's spend caps at once.
      onChanged: (tenantId) => deps.bus.publish({ tenantId }),
    }),
  );
}

/** The billing routes on Stripe, or the same declarations answering 501 when billing is off. */
export function mountBilling(app: Hono<PlatformEnv>, mount: Mount, deps: PlatformDeps): void {
  const billing = deps.billing;
  if (!billing) {
    mount(billingNotConfiguredRoutes({ usageSchema: usageSummarySchema }));
    return;
  }
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
  mount(billingPreviewRoutes({ billing, tenantOf: billingTenantOf }));
  mount(
    billingRoutes({
      billing,
      tenantOf: billingTenantOf,
      usageOf: async (id, plan) =>
        usageSummaryView(await deps.metering.summary(id, deps.plans.metering(plan))),
      usageSchema: usageSummarySchema,
    }),
  );
}

/** The operator's routes behind the admin token, and the admin console, when the token is set. */
export function mountAdmin(app: Hono<PlatformEnv>, mount: Mount, deps: PlatformDeps): void {
  const adminToken = deps.adminToken;
  if (!adminToken) return;
  mount(adminRoutes({ db: deps.db, bus: deps.bus, adminToken }));
  app.route("/", adminConsole({ db: deps.db, metering: deps.metering, adminToken }));
  // The admin check runs first, then Idempotency-Key (one scope for the operator): a retried
  // top-up replays its first answer instead of granting twice.
  const guard = adminAuth(adminToken);
  app.post(
    "/admin/tenants/:id/credits",
    guard,
    idempotency({ store: deps.idempotencyStore, scope: () => "admin" }),
  );
  mount(adminCreditsRoutes({ db: deps.db, guard }));
}
