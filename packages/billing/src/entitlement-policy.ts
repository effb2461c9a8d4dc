/** @module Which plan a tenant is entitled to, from its subscription's Stripe status. */

export type EntitlementState = "entitled" | "grace" | "restricted" | "pending" | "none";

/**
 * | Stripe status | entitled to | state |
 * | --- | --- | --- |
 * | active, trialing | the subscribed plan | entitled |
 * | past_due | the subscribed plan while the grace period runs, then the default plan | grace, then restricted |
 * | unpaid, canceled, incomplete_expired, paused | the default plan | restricted |
 * | incomplete | the default plan until the first payment succeeds | pending |
 * | (no subscription) | the default plan | none |
 */
export const ENTITLEMENT_TABLE = {
  active: "entitled",
  trialing: "entitled",
  past_due: "grace",
  unpaid: "restricted",
  canceled: "restricted",
  incomplete_expired: "restricted",
  paused: "restricted",
  incomplete: "pending",
} as const satisfies Record<string, EntitlementState>;

export interface EntitlementInput {
  /** Stripe's subscription status, or null when the tenant has no subscription. */
  status: string | null;
  /** The plan of the subscription. */
  plan: string | null;
  /** When the subscription became past due (the failed invoice's creation), for the grace period. */
  pastDueSince?: Date | null;
  now: Date;
  /** Grace period of past_due subscriptions. */
  graceMs: number;
  defaultPlan: string;
}

export interface Entitlement {
  plan: string;
  state: EntitlementState;
  /** When a grace period ends (state grace only). */
  graceEndsAt?: Date;
}

/**
 * Applies the entitlement table.
 *
 * @example
 * entitlementFor({ status: "past_due", plan: "pro", pastDueSince, now, graceMs: 7 * 864e5, defaultPlan: "free" });
 */
export function entitlementFor(input: EntitlementInput): Entitlement {
  if (!input.status || !input.plan) return { plan: input.defaultPlan, state: "none" };
  const state: EntitlementState =
    ENTITLEMENT_TABLE[input.status as keyof typeof ENTITLEMENT_TABLE] ?? "restricted";
  if (state === "entitled") return { plan: input.plan, state };
  if (state === "grace") {
    const since = input.pastDueSince ?? input.now;
    const graceEndsAt = new Date(since.getTime() + input.graceMs);
    return input.now < graceEndsAt
      ? { plan: input.plan, state: "grace", graceEndsAt }
      : { plan: input.defaultPlan, state: "restricted" };
  }
  return { plan: input.defaultPlan, state };
}
