/** @module The saga's subscription steps: claim a card-less trial, then start it or open a checkout. */

import { callBilling } from "./billing-call.js";
import type { SignupDeps, SignupStep } from "./signup-context.js";
import { holdTenantRow } from "./tenant-row.js";
import { claimTrial, releaseTrial } from "./trial-claims.js";

/**
 * Prefix of the checkout session's idempotency key.
 *
 * @example
 * `${CHECKOUT_OPERATION}:${tenantId}`;
 */
export const CHECKOUT_OPERATION = "checkout:create";
/**
 * Prefix of the trial subscription's idempotency key.
 *
 * @example
 * `${TRIAL_OPERATION}:${tenantId}:${customerId}`;
 */
export const TRIAL_OPERATION = "trial:create";

/**
 * Claims the email's trial when the plan offers one and billing can start it (see `claimTrial`).
 *
 * @example
 * const steps = [..., trialClaimStep(deps), subscriptionStep(deps), ...];
 */
export function trialClaimStep({ db, billing }: Pick<SignupDeps, "db" | "billing">): SignupStep {
  return {
    name: "trial_claim",
    async run(ctx) {
      if (!ctx.trialDays || !billing.startTrial) return;
      ctx.trial = await claimTrial(db, {
        tenantId: ctx.tenantId,
        email: ctx.input.email,
        plan: ctx.input.plan,
      });
    },
    async compensate(ctx) {
      // The claim is keyed by the tenant id: a resumed retry that took the row over holds it now.
      if (ctx.trial && (await holdTenantRow(db, ctx)) !== "taken") await releaseTrial(db, ctx.tenantId);
      ctx.trial = false;
    },
  };
}

/**
 * Paid plans: starts the claimed trial (no payment method), else creates the Checkout Session.
 *
 * @example
 * const steps = [..., trialClaimStep(deps), subscriptionStep(deps), ...];
 */
export function subscriptionStep(deps: Pick<SignupDeps, "billing" | "stepTimeoutMs">): SignupStep {
  const { billing } = deps;
  const ms = deps.stepTimeoutMs ?? 10_000;
  return {
    name: "checkout",
    async run(ctx) {
      if (!ctx.paid || !ctx.customerId) return;
      const { customerId, trialDays } = ctx;
      const startTrial = billing.startTrial?.bind(billing);
      if (ctx.trial && trialDays && startTrial) {
        // Deleting the customer (compensation of the customer step) cancels this subscription too.
        const subscription = await callBilling("billing.startTrial", ms, () =>
          startTrial({
            tenantId: ctx.tenantId,
            slug: ctx.input.slug,
            customerId,
            plan: ctx.input.plan,
            interval: ctx.input.interval,
            trialDays,
            idempotencyKey: `${TRIAL_OPERATION}:${ctx.tenantId}:${customerId}`,
          }),
        );
        ctx.trialSubscriptionId = subscription.id;
        return;
      }
      // Keyed by the customer too: a retry after a compensation has a new customer, and Stripe
      // rejects a key reused with other parameters (or replays the deleted customer's session).
      ctx.checkout = await callBilling("billing.createCheckoutSession", ms, () =>
        billing.createCheckoutSession({
          tenantId: ctx.tenantId,
          slug: ctx.input.slug,
          customerId,
          plan: ctx.input.plan,
          interval: ctx.input.interval,
          idempotencyKey: `${CHECKOUT_OPERATION}:${ctx.tenantId}:${customerId}`,
        }),
      );
    },
    // An open session of a deleted customer cannot be paid: deleting the customer undoes this step.
  };
}
