/** @module The billing part of the HTTP contract, as a Hono route factory. */
import { ProblemError } from "@org/problem";
import { jsonBody, queryOf, requestHeader } from "@org/server-kit";
import { type Context, Hono } from "hono";
import Stripe from "stripe";
import { z } from "zod";
import { createCheckout } from "../checkout.js";
import type { BillingDeps } from "../context.js";
import { ensureCustomer, type TenantForBilling } from "../customers.js";
import { BillingError } from "../errors.js";
import { listInvoices, listPaymentMethods } from "../lists.js";
import {
  type ChangeKind,
  cancelSubscription,
  changePlan,
  createPortalSession,
  resumeSubscription,
} from "../manage.js";
import { type SubscriptionView, subscriptionView } from "../subscription-view.js";
import { syncCustomer } from "../sync.js";

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
}

export const checkoutBody = z.object({
  plan: z.string().min(1),
  interval: z.enum(["month", "year"]).default("month"),
});
export const changeBody = z.object({
  plan: z.string().min(1),
  interval: z.enum(["month", "year"]).optional(),
  prorationBehavior: z.enum(["create_prorations", "always_invoice", "none"]).optional(),
});
export const cancelBody = z.object({ atPeriodEnd: z.boolean().default(true) });
export const portalBody = z.object({ returnUrl: z.url({ protocol: /^https?$/ }).optional() });
export const pageQuery = z.object({
  cursor: z.string().min(1).max(500).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export const checkoutCompleteQuery = z.object({ session_id: z.string().regex(/^cs_[A-Za-z0-9_]+$/) });

/** The body of `GET /v1/billing/subscription` and of the routes that change it; `usage` is `usageOf`'s answer. */
export type BillingSubscriptionResponse = SubscriptionView & { usage?: unknown };

/** The body of `POST /v1/billing/checkout`. */
export interface CheckoutResponse {
  url: string;
  sessionId: string;
}

/** The body of `POST /v1/billing/subscription/change`: what the change did, and the subscription after it. */
export interface PlanChangeResponse {
  change: ChangeKind;
  subscription: BillingSubscriptionResponse;
}

/** The body of `POST /v1/billing/portal`. */
export interface PortalResponse {
  url: string;
}

/** Expected refusals become their problem code; Stripe failures a 502 that names no secret. */
function asProblem(error: unknown): never {
  if (error instanceof BillingError) throw new ProblemError(error.code, { detail: error.message });
  if (error instanceof Stripe.errors.StripeError) {
    throw new ProblemError("stripe_error", {
      detail: `the payment provider answered ${error.type}${error.code ? ` (${error.code})` : ""}; retry with the same Idempotency-Key`,
    });
  }
  throw error;
}

/**
 * Mounts `/v1/billing/*`. Mutations use the request's Idempotency-Key (scoped to the tenant) as the
 * key of their Stripe operations, so a retried request changes Stripe once.
 *
 * @example
 * app.route("/", billingRoutes({ billing, tenantOf: (c) => c.get("tenant"), usageOf: (id, plan) => meter.summary(id, plan) }));
 */
export function billingRoutes(options: BillingRoutesOptions) {
  const { billing, tenantOf } = options;
  const app = new Hono();
  const requestKey = (c: Context, tenant: BillingTenant) => {
    const key = requestHeader(c, "idempotency-key");
    return key ? `${tenant.id}:${key}` : undefined;
  };
  const view = async (tenant: BillingTenant): Promise<BillingSubscriptionResponse> => {
    const subscription = await subscriptionView(billing, tenant.id, tenant.plan);
    return options.usageOf
      ? { ...subscription, usage: await options.usageOf(tenant.id, subscription.plan) }
      : subscription;
  };
  /** The plan after a sync (the tenant object of the request predates it). */
  const afterSync = (tenant: BillingTenant, plan: string | undefined): BillingTenant => ({
    ...tenant,
    plan: plan ?? tenant.plan,
  });

  app.get("/v1/billing/subscription", async (c) => c.json(await view(tenantOf(c))));

  app.post("/v1/billing/checkout", async (c) => {
    const tenant = tenantOf(c);
    const body = await jsonBody(c, checkoutBody);
    const result = await createCheckout(billing, tenant, body).catch(asProblem);
    return c.json({ url: result.url, sessionId: result.sessionId } satisfies CheckoutResponse, 200);
  });

  app.get("/v1/billing/checkout/complete", async (c) => {
    const tenant = tenantOf(c);
    const { session_id } = queryOf(c, checkoutCompleteQuery);
    const customerId = await ensureCustomer(billing, tenant).catch(asProblem);
    const session = await billing.stripe.checkout.sessions.retrieve(session_id).catch((error) => {
      if ((error as { code?: string }).code === "resource_missing")
        throw new ProblemError("not_found", { detail: "no such checkout session" });
      return asProblem(error);
    });
    // Another tenant's session id must not reveal or sync anything.
    if ((typeof session.customer === "string" ? session.customer : session.customer?.id) !== customerId) {
      throw new ProblemError("not_found", { detail: "no such checkout session" });
    }
    const sync = await syncCustomer(billing, customerId).catch(asProblem);
    return c.json(await view(afterSync(tenant, sync.entitlement?.plan)));
  });

  app.post("/v1/billing/subscription/change", async (c) => {
    const tenant = tenantOf(c);
    const body = await jsonBody(c, changeBody);
    const { change, sync } = await changePlan(billing, tenant, {
      ...body,
      requestKey: requestKey(c, tenant),
    }).catch(asProblem);
    return c.json({
      change,
      subscription: await view(afterSync(tenant, sync.entitlement?.plan)),
    } satisfies PlanChangeResponse);
  });

  app.post("/v1/billing/subscription/cancel", async (c) => {
    const tenant = tenantOf(c);
    const body = await jsonBody(c, cancelBody);
    const sync = await cancelSubscription(billing, tenant, {
      ...body,
      requestKey: requestKey(c, tenant),
    }).catch(asProblem);
    return c.json(await view(afterSync(tenant, sync.entitlement?.plan)));
  });

  app.post("/v1/billing/subscription/resume", async (c) => {
    const tenant = tenantOf(c);
    const sync = await resumeSubscription(billing, tenant, { requestKey: requestKey(c, tenant) }).catch(
      asProblem,
    );
    return c.json(await view(afterSync(tenant, sync.entitlement?.plan)));
  });

  app.post("/v1/billing/portal", async (c) => {
    const tenant = tenantOf(c);
    const body = await jsonBody(c, portalBody);
    const result = await createPortalSession(billing, tenant, {
      ...body,
      requestKey: requestKey(c, tenant),
    }).catch(asProblem);
    return c.json(result satisfies PortalResponse);
  });

  app.get("/v1/billing/invoices", async (c) => {
    const tenant = tenantOf(c);
    const query = queryOf(c, pageQuery);
    return c.json(await listInvoices(billing, tenant.id, query).catch(asProblem));
  });

  app.get("/v1/billing/payment-methods", async (c) => {
    const tenant = tenantOf(c);
    const query = queryOf(c, pageQuery);
    if (!tenant.stripeCustomerId) return c.json({ data: [], nextCursor: null });
    return c.json(await listPaymentMethods(billing, tenant.stripeCustomerId, query).catch(asProblem));
  });

  return app;
}

/**
 * Answers every `/v1/billing/*` route with 501 `billing_not_configured` (self-hosted without Stripe).
 *
 * @example
 * app.route("/", env.STRIPE_SECRET_KEY ? billingRoutes(...) : billingNotConfiguredRoutes());
 */
export function billingNotConfiguredRoutes() {
  const app = new Hono();
  app.all("/v1/billing/*", () => {
    throw new ProblemError("billing_not_configured", {
      detail: "Billing is not configured on this server: set STRIPE_SECRET_KEY to enable it.",
    });
  });
  return app;
}
