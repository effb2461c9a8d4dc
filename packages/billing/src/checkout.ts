/** @module Checkout: a subscription-mode session, always for the tenant's own customer. */

import type { Interval } from "@org/plans";
import type Stripe from "stripe";
import type { BillingDeps } from "./context.js";
import { ensureCustomer, type TenantForBilling } from "./customers.js";
import { BillingError } from "./errors.js";
import { findSubscription } from "./live-subscription.js";

export interface CheckoutRequest {
  plan: string;
  interval: Interval;
}

export interface CheckoutResult {
  url: string;
  sessionId: string;
  /** True when an open session for the same plan was handed out again. */
  reused: boolean;
}

/**
 * A Checkout Session for a paid plan. Refused while the customer has a live subscription; an open
 * session for the same plan and interval is reused instead of creating a second one, which is also
 * what makes a retry after a lost response safe. Every other open session of the customer is
 * expired, so two Checkouts cannot both be paid (a second subscription that slips through anyway
 * is cancelled by sync). The session is always for the tenant's existing customer, so Checkout can
 * never create a second one.
 *
 * @throws {BillingError} plan_not_found, subscription_exists; conflict when a concurrent checkout
 * of the same tenant replaced this one
 * @example
 * const { url } = await createCheckout(deps, tenant, { plan: "pro", interval: "month" });
 */
export async function createCheckout(
  deps: BillingDeps,
  tenant: TenantForBilling,
  request: CheckoutRequest,
): Promise<CheckoutResult> {
  const priceId = deps.catalog.priceId(request.plan, request.interval);
  if (!priceId) {
    throw new BillingError(
      "plan_not_found",
      `plan ${request.plan} is not sold with a ${request.interval}ly price`,
    );
  }
  const customerId = await ensureCustomer(deps, tenant);
  const blocking = await findSubscription(deps, customerId);
  if (blocking) {
    throw new BillingError(
      "subscription_exists",
      `subscription ${blocking.id} is ${blocking.status}; change its plan instead of checking out again`,
    );
  }
  const reusable = await findOpenSession(deps, customerId, request);
  const sessionId = reusable?.id ?? (await createSession(deps, tenant, customerId, request, priceId));
  await expireOtherOpenSessions(deps, customerId, sessionId);
  const session = await deps.stripe.checkout.sessions.retrieve(sessionId);
  if (session.status !== "open") {
    // Another checkout of this tenant, requested at the same time, expired this one: the later wins.
    throw new BillingError(
      "conflict",
      `checkout session ${sessionId} was replaced by a newer one; ask again`,
    );
  }
  if (!session.url) throw new BillingError("stripe_error", `checkout session ${sessionId} has no URL`);
  return { url: session.url, sessionId, reused: reusable !== undefined };
}

const isFor = (session: Stripe.Checkout.Session, request: CheckoutRequest) =>
  session.metadata?.plan === request.plan && session.metadata?.interval === request.interval;

/** An open session of the customer for the same plan and interval, on whichever page it is. */
async function findOpenSession(deps: BillingDeps, customerId: string, request: CheckoutRequest) {
  for await (const session of deps.stripe.checkout.sessions.list({
    customer: customerId,
    status: "open",
    limit: 100,
  })) {
    if (isFor(session, request)) return session;
  }
  return undefined;
}

async function createSession(
  deps: BillingDeps,
  tenant: TenantForBilling,
  customerId: string,
  request: CheckoutRequest,
  priceId: string,
): Promise<string> {
  // The attempt is named by the customer's newest session so far. A retry of an attempt that made
  // nothing sees the same newest session and sends the same idempotency key; once a session exists
  // it is the newest, so the next checkout (after it expired or was paid) is a new attempt. Unlike a
  // count of sessions, this never stops changing, whatever the number of sessions.
  const [newest] = (await deps.stripe.checkout.sessions.list({ customer: customerId, limit: 1 })).data;
  const after = newest?.id ?? "none";
  const metadata = {
    tenant_id: tenant.id,
    tenant_slug: tenant.slug,
    plan: request.plan,
    interval: request.interval,
  };
  return deps.operations.runOnce(
    "checkout:create",
    `${tenant.id}:${request.plan}:${request.interval}:after:${after}`,
    (idempotencyKey) =>
      deps.stripe.checkout.sessions.create(
        {
          mode: "subscription",
          customer: customerId,
          client_reference_id: tenant.id,
          line_items: [{ price: priceId, quantity: 1 }],
          metadata,
          subscription_data: { metadata },
          success_url: deps.urls.checkoutSuccess,
          cancel_url: deps.urls.checkoutCancel,
        },
        { idempotencyKey },
      ),
    { find: () => findSessionCreatedAfter(deps, customerId, after, request) },
  );
}

/**
 * After Stripe forgot the attempt's key (24 h): the session the lost call made, if any, is one for
 * this plan newer than `after` (lists are newest first, so the walk stops at `after`). Any newer
 * session would have renamed the attempt, so this finds one only when a concurrent checkout of the
 * same plan made it meanwhile; otherwise the call is sent again under a fresh key.
 */
async function findSessionCreatedAfter(
  deps: BillingDeps,
  customerId: string,
  after: string,
  request: CheckoutRequest,
): Promise<Stripe.Checkout.Session | null> {
  for await (const session of deps.stripe.checkout.sessions.list({ customer: customerId, limit: 100 })) {
    if (session.id === after) break;
    if (isFor(session, request)) return session;
  }
  return null;
}

/**
 * Expires every open session of the customer but `keep`, so that at most one Checkout can still
 * turn into a subscription. Listed after `keep` exists: a session created by an earlier request is
 * seen and expired here, and a later request expires `keep` in turn (the newest request wins).
 */
async function expireOtherOpenSessions(deps: BillingDeps, customerId: string, keep: string) {
  // Collected before expiring any: expiring changes the filtered list a cursor would walk.
  const open = await deps.stripe.checkout.sessions
    .list({ customer: customerId, status: "open", limit: 100 })
    .autoPagingToArray({ limit: 10_000 });
  for (const session of open) {
    if (session.id === keep) continue;
    try {
      // No idempotency key: expiring is idempotent by nature, and a shared key would make
      // concurrent checkouts answer each other 409.
      await deps.stripe.checkout.sessions.expire(session.id);
    } catch (error) {
      // Completed or expired meanwhile: nothing left to expire (a completed one is a duplicate
      // subscription, which sync cancels).
      const now = await deps.stripe.checkout.sessions.retrieve(session.id);
      if (now.status === "open") throw error;
    }
  }
}
