/**
 * @module What Stripe shows once a subscription or schedule call has happened: the `find` of
 * billing's outbound operations, asked only when a call is retried after Stripe forgot its
 * idempotency key (24 h). Each reads the object's current state; a state that already matches means
 * the call happened (or would change nothing), so it is not sent again.
 */
import type Stripe from "stripe";
import type { BillingDeps } from "./context.js";
import { idOf, primaryItem } from "./stripe-shapes.js";

type Find = () => Promise<{ id: string } | null>;
type Deps = Pick<BillingDeps, "stripe">;

/**
 * The subscription once its price is `price`, or once a change to `price` waits in `pending_update`
 * for its invoice (the upgrade call happened; the caller then settles that invoice).
 *
 * @example
 * runOnce("subscription:change", id, call, { find: subscriptionOnPrice(deps, "sub_1", "price_pro") });
 */
export const subscriptionOnPrice =
  (deps: Deps, subscriptionId: string, price: string): Find =>
  async () => {
    const subscription = await deps.stripe.subscriptions.retrieve(subscriptionId);
    const pending = subscription.pending_update?.subscription_items?.some((i) => i.price.id === price);
    return primaryItem(subscription)?.price.id === price || pending ? subscription : null;
  };

/**
 * The subscription once `matches` holds for it (cancelled, cancelling at period end, resumed, a
 * seat count).
 *
 * @example
 * runOnce("subscription:seats", id, call, { find: subscriptionWhere(deps, "sub_1", (s) => primaryItem(s)?.quantity === 3) });
 */
export const subscriptionWhere =
  (deps: Deps, subscriptionId: string, matches: (subscription: Stripe.Subscription) => boolean): Find =>
  async () => {
    const subscription = await deps.stripe.subscriptions.retrieve(subscriptionId);
    return matches(subscription) ? subscription : null;
  };

/**
 * The schedule the subscription is attached to, once there is one (`from_subscription` attaches it).
 *
 * @example
 * runOnce("schedule:create", id, call, { find: scheduleOfSubscription(deps, "sub_1") });
 */
export const scheduleOfSubscription =
  (deps: Deps, subscriptionId: string): Find =>
  async () => {
    const scheduleId = idOf((await deps.stripe.subscriptions.retrieve(subscriptionId)).schedule);
    return scheduleId ? { id: scheduleId } : null;
  };

/**
 * The schedule once it no longer governs the subscription (released, or cancelled).
 *
 * @example
 * runOnce("schedule:release", id, call, { find: scheduleReleased(deps, "sub_sched_1") });
 */
export const scheduleReleased =
  (deps: Deps, scheduleId: string): Find =>
  async () => {
    const schedule = await deps.stripe.subscriptionSchedules.retrieve(scheduleId);
    return schedule.status === "released" || schedule.status === "canceled" ? schedule : null;
  };

/**
 * The schedule once its last phase is on `price` and it releases the subscription at its end: the
 * downgrade update happened.
 *
 * @example
 * runOnce("schedule:downgrade", id, call, { find: scheduleEndingOn(deps, "sub_sched_1", "price_free") });
 */
export const scheduleEndingOn =
  (deps: Deps, scheduleId: string, price: string): Find =>
  async () => {
    const schedule = await deps.stripe.subscriptionSchedules.retrieve(scheduleId);
    const last = schedule.phases.at(-1);
    const lastPrice = last?.items[0] ? idOf(last.items[0].price) : null;
    return schedule.end_behavior === "release" && lastPrice === price ? schedule : null;
  };
