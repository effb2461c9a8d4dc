/** @module Plan changes, seats, cancel and resume, the Customer Portal. */
import { randomUUID } from "node:crypto";
import type { Interval } from "@org/plans";
import type Stripe from "stripe";
import { type BillingDeps, loggerOf } from "./context.js";
import { ensureCustomer, type TenantForBilling } from "./customers.js";
import { BillingError } from "./errors.js";
import { findSubscription } from "./live-subscription.js";
import {
  scheduleEndingOn,
  scheduleOfSubscription,
  scheduleReleased,
  subscriptionOnPrice,
  subscriptionWhere,
} from "./operation-lookups.js";
import { idOf, LIVE_STATUSES, primaryItem } from "./stripe-shapes.js";
import { type SyncResult, syncCustomer } from "./sync.js";

export type ProrationBehavior = "create_prorations" | "always_invoice" | "none";

export interface MutationOptions {
  /**
   * Names this change for retries: the caller's Idempotency-Key when there is one. The same key
   * sends the same idempotency key to Stripe, so a retried request changes Stripe once.
   */
  requestKey?: string;
}

export interface ChangePlanRequest extends MutationOptions {
  plan: string;
  interval?: Interval;
  prorationBehavior?: ProrationBehavior;
}

export type ChangeKind = "upgrade" | "downgrade_scheduled" | "scheduled_change_canceled" | "unchanged";

/**
 * The customer's live subscription that can be changed (not `incomplete`), on whichever page it is.
 *
 * @throws {BillingError} subscription_not_found
 * @example
 * const subscription = await liveSubscription(deps, "cus_123");
 */
export async function liveSubscription(deps: BillingDeps, customerId: string): Promise<Stripe.Subscription> {
  const live = await findSubscription(
    deps,
    customerId,
    (s) => LIVE_STATUSES.has(s.status) && s.status !== "incomplete",
  );
  if (!live) throw new BillingError("subscription_not_found", "the tenant has no live subscription");
  return live;
}

const keyOf = (options: MutationOptions) => options.requestKey ?? randomUUID();

async function releaseSchedule(deps: BillingDeps, subscription: Stripe.Subscription, requestKey: string) {
  const scheduleId =
    typeof subscription.schedule === "string" ? subscription.schedule : subscription.schedule?.id;
  if (!scheduleId) return;
  await deps.operations.runOnce(
    "schedule:release",
    `${scheduleId}:${requestKey}`,
    (idempotencyKey) => deps.stripe.subscriptionSchedules.release(scheduleId, {}, { idempotencyKey }),
    { find: scheduleReleased(deps, scheduleId) },
  );
}

/**
 * Moves the subscription to a higher price only if the prorated difference is paid now: Stripe
 * keeps a change whose invoice fails in `pending_update` (the subscription stays as it was); that
 * update is discarded at once by voiding its invoice, so the tenant is told now and nothing applies
 * later behind its back. Checked on the subscription itself after the call, so a replayed request
 * whose first attempt was declined is declined again rather than reported as done.
 */
async function upgradeIfPaid(
  deps: BillingDeps,
  subscription: Stripe.Subscription,
  itemId: string,
  newPrice: string,
  request: ChangePlanRequest,
  requestKey: string,
) {
  const behavior = request.prorationBehavior ?? "always_invoice";
  if (behavior !== "always_invoice") {
    throw new BillingError(
      "validation_failed",
      `an upgrade is charged at once so that a declined card never grants the higher plan; prorationBehavior ${behavior} is only for downgrades`,
    );
  }
  await deps.operations.runOnce(
    "subscription:change",
    `${subscription.id}:${requestKey}`,
    (idempotencyKey) =>
      deps.stripe.subscriptions.update(
        subscription.id,
        // Only parameters Stripe accepts with a pending update: no metadata here.
        {
          items: [{ id: itemId, price: newPrice }],
          proration_behavior: behavior,
          payment_behavior: "pending_if_incomplete",
        },
        { idempotencyKey },
      ),
    // A declined first try left no pending update after 24 h (Stripe discards it within 23 h): not
    // found, so the upgrade is charged again, which is what a retry of it asks for.
    { find: subscriptionOnPrice(deps, subscription.id, newPrice) },
  );
  const after = await deps.stripe.subscriptions.retrieve(subscription.id);
  const invoiceId = idOf(after.latest_invoice);
  if (after.pending_update && invoiceId) {
    // Voiding is idempotent by nature (a second void is refused): no shared key to race on.
    await deps.stripe.invoices.voidInvoice(invoiceId).catch(async (error) => {
      // Voided (or paid) meanwhile by a concurrent attempt: the subscription says what happened.
      if ((await deps.stripe.invoices.retrieve(invoiceId)).status === "open") throw error;
    });
  }
  if (primaryItem(after)?.price.id !== newPrice) {
    loggerOf(deps).warn(
      { subscriptionId: subscription.id, price: newPrice, invoiceId },
      "billing.upgrade.payment_declined",
    );
    throw new BillingError(
      "payment_required",
      "the payment for the upgrade was declined; the subscription stays on its current plan (update the card and retry)",
    );
  }
}

/**
 * Changes the plan. Upgrades (a higher monthly value) take effect now, invoiced at once and only if
 * that invoice is paid (a declined card leaves the plan as it was); downgrades are scheduled for the
 * end of the current period with a subscription schedule, which the tenant sees (`scheduledPlan`)
 * and can cancel by "changing" back to the current plan.
 *
 * @throws {BillingError} subscription_not_found, plan_not_found; payment_required when the upgrade's
 * payment is declined; validation_failed for an upgrade with a proration other than always_invoice
 * @example
 * await changePlan(deps, tenant, { plan: "enterprise", prorationBehavior: "always_invoice", requestKey });
 */
export async function changePlan(
  deps: BillingDeps,
  tenant: TenantForBilling,
  request: ChangePlanRequest,
): Promise<{ change: ChangeKind; sync: SyncResult }> {
  const customerId = await ensureCustomer(deps, tenant);
  const subscription = await liveSubscription(deps, customerId);
  const item = primaryItem(subscription);
  if (!item) throw new BillingError("subscription_not_found", `subscription ${subscription.id} has no items`);
  const current = deps.catalog.byPriceId(item.price.id);
  const interval = request.interval ?? current?.interval ?? "month";
  const newPrice = deps.catalog.priceId(request.plan, interval);
  if (!newPrice)
    throw new BillingError("plan_not_found", `plan ${request.plan} is not sold with a ${interval}ly price`);
  const requestKey = keyOf(request);
  let change: ChangeKind;

  // The same plan and interval, on its current or a grandfathered (legacy) price: nothing to move.
  if (current?.plan.id === request.plan && current.interval === interval) {
    change = subscription.schedule ? "scheduled_change_canceled" : "unchanged";
    await releaseSchedule(deps, subscription, requestKey);
  } else if (
    deps.catalog.monthlyValue(request.plan, interval) >
    deps.catalog.monthlyValue(current?.plan.id ?? "", current?.interval)
  ) {
    change = "upgrade";
    await upgradeIfPaid(deps, subscription, item.id, newPrice, request, requestKey);
  } else {
    change = "downgrade_scheduled";
    const scheduleId =
      (typeof subscription.schedule === "string" ? subscription.schedule : subscription.schedule?.id) ??
      (await deps.operations.runOnce(
        "schedule:create",
        `${subscription.id}:${requestKey}`,
        (idempotencyKey) =>
          deps.stripe.subscriptionSchedules.create(
            { from_subscription: subscription.id },
            { idempotencyKey },
          ),
        { find: scheduleOfSubscription(deps, subscription.id) },
      ));
    const schedule = await deps.stripe.subscriptionSchedules.retrieve(scheduleId);
    const currentPhase = schedule.phases[0];
    await deps.operations.runOnce(
      "schedule:downgrade",
      `${scheduleId}:${requestKey}`,
      (idempotencyKey) =>
        deps.stripe.subscriptionSchedules.update(
          scheduleId,
          {
            end_behavior: "release",
            proration_behavior: "none",
            phases: [
              {
                items: [{ price: item.price.id, quantity: item.quantity ?? 1 }],
                start_date: currentPhase?.start_date ?? item.current_period_start,
                end_date: item.current_period_end,
              },
              {
                items: [{ price: newPrice, quantity: item.quantity ?? 1 }],
                duration: { interval, interval_count: 1 },
              },
            ],
          },
          { idempotencyKey },
        ),
      { find: scheduleEndingOn(deps, scheduleId, newPrice) },
    );
  }
  return { change, sync: await syncCustomer(deps, customerId) };
}

/**
 * Cancels at the end of the period (default; the tenant keeps the plan until then) or now.
 *
 * @example
 * await cancelSubscription(deps, tenant, { atPeriodEnd: true });
 */
export async function cancelSubscription(
  deps: BillingDeps,
  tenant: TenantForBilling,
  options: MutationOptions & { atPeriodEnd?: boolean } = {},
): Promise<SyncResult> {
  const customerId = await ensureCustomer(deps, tenant);
  const subscription = await liveSubscription(deps, customerId);
  const requestKey = keyOf(options);
  // A schedule owns the subscription's future; cancelling takes precedence over a pending downgrade.
  await releaseSchedule(deps, subscription, requestKey);
  await deps.operations.runOnce(
    "subscription:cancel",
    `${subscription.id}:${requestKey}`,
    (idempotencyKey) =>
      options.atPeriodEnd === false
        ? deps.stripe.subscriptions.cancel(subscription.id, {}, { idempotencyKey })
        : deps.stripe.subscriptions.update(
            subscription.id,
            { cancel_at_period_end: true },
            { idempotencyKey },
          ),
    {
      find: subscriptionWhere(
        deps,
        subscription.id,
        (s) => s.status === "canceled" || (options.atPeriodEnd !== false && s.cancel_at_period_end),
      ),
    },
  );
  return syncCustomer(deps, customerId);
}

/**
 * Undoes a cancellation at period end, while the period has not ended.
 *
 * @throws {BillingError} subscription_not_found; conflict when nothing is scheduled to cancel
 */
export async function resumeSubscription(
  deps: BillingDeps,
  tenant: TenantForBilling,
  options: MutationOptions = {},
): Promise<SyncResult> {
  const customerId = await ensureCustomer(deps, tenant);
  const subscription = await liveSubscription(deps, customerId);
  if (!subscription.cancel_at_period_end && !subscription.cancel_at) {
    throw new BillingError("conflict", `subscription ${subscription.id} is not scheduled to cancel`);
  }
  await deps.operations.runOnce(
    "subscription:resume",
    `${subscription.id}:${keyOf(options)}`,
    (idempotencyKey) =>
      deps.stripe.subscriptions.update(subscription.id, { cancel_at_period_end: false }, { idempotencyKey }),
    { find: subscriptionWhere(deps, subscription.id, (s) => !s.cancel_at_period_end && !s.cancel_at) },
  );
  return syncCustomer(deps, customerId);
}

/**
 * Changes the seat quantity now, prorated.
 *
 * @example
 * await setSeats(deps, tenant, { quantity: 12 });
 */
export async function setSeats(
  deps: BillingDeps,
  tenant: TenantForBilling,
  options: MutationOptions & { quantity: number; prorationBehavior?: ProrationBehavior },
): Promise<SyncResult> {
  if (!Number.isInteger(options.quantity) || options.quantity < 1) {
    throw new BillingError("validation_failed", "quantity must be a positive integer");
  }
  const customerId = await ensureCustomer(deps, tenant);
  const subscription = await liveSubscription(deps, customerId);
  const item = primaryItem(subscription);
  if (!item) throw new BillingError("subscription_not_found", `subscription ${subscription.id} has no items`);
  await deps.operations.runOnce(
    "subscription:seats",
    `${subscription.id}:${keyOf(options)}`,
    (idempotencyKey) =>
      deps.stripe.subscriptions.update(
        subscription.id,
        {
          items: [{ id: item.id, quantity: options.quantity }],
          proration_behavior: options.prorationBehavior ?? "create_prorations",
        },
        { idempotencyKey },
      ),
    { find: subscriptionWhere(deps, subscription.id, (s) => primaryItem(s)?.quantity === options.quantity) },
  );
  return syncCustomer(deps, customerId);
}

/**
 * A Customer Portal session; changes made there come back through webhooks and sync.
 *
 * @example
 * const { url } = await createPortalSession(deps, tenant, { returnUrl: "https://app.example/billing" });
 */
export async function createPortalSession(
  deps: BillingDeps,
  tenant: TenantForBilling,
  options: MutationOptions & { returnUrl?: string } = {},
): Promise<{ url: string }> {
  const customerId = await ensureCustomer(deps, tenant);
  const session = await deps.stripe.billingPortal.sessions.create(
    { customer: customerId, return_url: options.returnUrl ?? deps.urls.portalReturn },
    { idempotencyKey: `portal:${customerId}:${keyOf(options)}` },
  );
  return { url: session.url };
}
