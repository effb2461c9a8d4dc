/** @module The billing part of the HTTP contract, as a Hono route factory. */
import type { z } from "@hono/zod-openapi";
import { ProblemError } from "@org/problem/hono";
import { apiRouter, requestHeader } from "@org/server-kit/hono";
import type { Context } from "hono";
import { createCheckout } from "../checkout.js";
import type { BillingDeps } from "../context.js";
import { ensureCustomer, type TenantForBilling } from "../customers.js";
import { listInvoices, listPaymentMethods } from "../lists.js";
import { cancelSubscription, changePlan, createPortalSession, resumeSubscription } from "../manage.js";
import { subscriptionView } from "../subscription-view.js";
import { syncCustomer } from "../sync.js";
import { asBillingProblem } from "./billing-problem.js";
import { billingRouteDeclarations } from "./billing-route-declarations.js";
import type { BillingSubscriptionResponse } from "./billing-schemas.js";

export interface BillingTenant extends TenantForBilling {
  /** The tenant's effective plan (what it may do now). */
  plan: string;
}

export interface BillingRoutesOptions {
  billing: BillingDeps;
  /** The resolved tenant of the request (set by the app's tenant resolution). */
  tenantOf: (c: Context) => BillingTenant;
  /**
   * Usage of the current period with included amounts and overage cost, from the metering package,
   * shown in `GET /v1/billing/subscription`.
   */
  usageOf?: (tenantId: string, plan: string) => Promise<unknown>;
  /** What `usageOf` answers, for the document (the metering package's usage summary schema). */
  usageSchema?: z.ZodType;
}

type BillingRouter = ReturnType<typeof apiRouter>;
type BillingRouteSet = ReturnType<typeof billingRouteDeclarations>;

/** What the handlers share, built once per {@link billingRoutes} call. */
interface BillingHandlerContext {
  billing: BillingDeps;
  tenantOf: (c: Context) => BillingTenant;
  /** The subscription answer of a tenant, with its usage when the app gave `usageOf`. */
  view: (tenant: BillingTenant) => Promise<BillingSubscriptionResponse>;
}

/** The request's Idempotency-Key scoped to the tenant, the key of the Stripe operations it causes. */
const requestKey = (c: Context, tenant: BillingTenant) => {
  const key = requestHeader(c, "idempotency-key");
  return key ? `${tenant.id}:${key}` : undefined;
};

/** The plan after a sync (the tenant object of the request predates it). */
const afterSync = (tenant: BillingTenant, plan: string | undefined): BillingTenant => ({
  ...tenant,
  plan: plan ?? tenant.plan,
});

/** The subscription answer, with `usage` from `options.usageOf` when given. */
function subscriptionViewOf(options: BillingRoutesOptions): BillingHandlerContext["view"] {
  const { billing, usageOf } = options;
  return async (tenant) => {
    const subscription = await subscriptionView(billing, tenant.id, tenant.plan);
    return usageOf ? { ...subscription, usage: await usageOf(tenant.id, subscription.plan) } : subscription;
  };
}

/** The session's customer id, whether Stripe expanded the customer or not. */
const sessionCustomerId = (session: { customer: string | { id: string } | null }) =>
  typeof session.customer === "string" ? session.customer : session.customer?.id;

/** `GET /v1/billing/subscription`, `POST /v1/billing/checkout`, `GET /v1/billing/checkout/complete`. */
function registerSubscriptionAndCheckoutRoutes(
  router: BillingRouter,
  routes: BillingRouteSet,
  { billing, tenantOf, view }: BillingHandlerContext,
) {
  router.openapi(routes.subscription, async (c) => c.json(await view(tenantOf(c)), 200));

  router.openapi(routes.checkout, async (c) => {
    const tenant = tenantOf(c);
    const result = await createCheckout(billing, tenant, c.req.valid("json")).catch(asBillingProblem);
    return c.json({ url: result.url, sessionId: result.sessionId }, 200);
  });

  router.openapi(routes.checkoutComplete, async (c) => {
    const tenant = tenantOf(c);
    const { session_id } = c.req.valid("query");
    const customerId = await ensureCustomer(billing, tenant).catch(asBillingProblem);
    const session = await billing.stripe.checkout.sessions.retrieve(session_id).catch((error) => {
      if ((error as { code?: string }).code === "resource_missing")
        throw new ProblemError("not_found", { detail: "no such checkout session" });
      return asBillingProblem(error);
    });
    // Another tenant's session id must not reveal or sync anything.
    if (sessionCustomerId(session) !== customerId) {
      throw new ProblemError("not_found", { detail: "no such checkout session" });
    }
    const sync = await syncCustomer(billing, customerId).catch(asBillingProblem);
    return c.json(await view(afterSync(tenant, sync.entitlement?.plan)), 200);
  });
}

/** `POST /v1/billing/subscription/{change,cancel,resume}`: each answers the subscription after its sync. */
function registerSubscriptionChangeRoutes(
  router: BillingRouter,
  routes: BillingRouteSet,
  { billing, tenantOf, view }: BillingHandlerContext,
) {
  router.openapi(routes.change, async (c) => {
    const tenant = tenantOf(c);
    const { change, sync } = await changePlan(billing, tenant, {
      ...c.req.valid("json"),
      requestKey: requestKey(c, tenant),
    }).catch(asBillingProblem);
    return c.json({ change, subscription: await view(afterSync(tenant, sync.entitlement?.plan)) }, 200);
  });

  router.openapi(routes.cancel, async (c) => {
    const tenant = tenantOf(c);
    const sync = await cancelSubscription(billing, tenant, {
      ...c.req.valid("json"),
      requestKey: requestKey(c, tenant),
    }).catch(asBillingProblem);
    return c.json(await view(afterSync(tenant, sync.entitlement?.plan)), 200);
  });

  router.openapi(routes.resume, async (c) => {
    const tenant = tenantOf(c);
    const sync = await resumeSubscription(billing, tenant, { requestKey: requestKey(c, tenant) }).catch(
      asBillingProblem,
    );
    return c.json(await view(afterSync(tenant, sync.entitlement?.plan)), 200);
  });
}

/** `POST /v1/billing/portal`, `GET /v1/billing/invoices`, `GET /v1/billing/payment-methods`. */
function registerAccountRoutes(
  router: BillingRouter,
  routes: BillingRouteSet,
  { billing, tenantOf }: BillingHandlerContext,
) {
  router.openapi(routes.portal, async (c) => {
    const tenant = tenantOf(c);
    const result = await createPortalSession(billing, tenant, {
      ...c.req.valid("json"),
      requestKey: requestKey(c, tenant),
    }).catch(asBillingProblem);
    return c.json(result, 200);
  });

  router.openapi(routes.invoices, async (c) => {
    const tenant = tenantOf(c);
    return c.json(await listInvoices(billing, tenant.id, c.req.valid("query")).catch(asBillingProblem), 200);
  });

  router.openapi(routes.paymentMethods, async (c) => {
    const tenant = tenantOf(c);
    if (!tenant.stripeCustomerId) return c.json({ data: [], nextCursor: null }, 200);
    return c.json(
      await listPaymentMethods(billing, tenant.stripeCustomerId, c.req.valid("query")).catch(
        asBillingProblem,
      ),
      200,
    );
  });
}

/**
 * Mounts `/v1/billing/*` but the preview ({@link billingPreviewRoutes}). Mutations use the request's
 * Idempotency-Key (scoped to the tenant) as the key of their Stripe operations, so a retried request
 * changes Stripe once.
 *
 * @example
 * app.route("/", billingRoutes({
 *   billing,
 *   tenantOf: (c) => c.get("tenant"),
 *   usageOf: (id, plan) => meter.summary(id, plan),
 *   usageSchema: usageSummarySchema,
 * }));
 */
export function billingRoutes(options: BillingRoutesOptions) {
  const routes = billingRouteDeclarations(options.usageSchema);
  const router = apiRouter();
  const context: BillingHandlerContext = {
    billing: options.billing,
    tenantOf: options.tenantOf,
    view: subscriptionViewOf(options),
  };
  // Registration order is the order of the paths in the document.
  registerSubscriptionAndCheckoutRoutes(router, routes, context);
  registerSubscriptionChangeRoutes(router, routes, context);
  registerAccountRoutes(router, routes, context);
  return router;
}
