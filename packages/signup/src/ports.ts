/** @module The ports the signup saga calls out through: billing (Stripe) and an identity provider. */

/**
 * What the saga needs from billing. `@org/billing` implements it over Stripe; tests use a fake.
 * Every call that creates something takes an idempotency key: a retry with the same key must return
 * the same object (as Stripe does), never a second one.
 *
 * @example
 * const billing: BillingPort = { sellsPlan, createCustomer, deleteCustomer, createCheckoutSession };
 */
export interface BillingPort {
  /**
   * Whether a paid plan has a price at this interval. Signup asks before it creates anything and
   * refuses a plan not sold at the requested interval with `plan_not_sold`.
   */
  sellsPlan(plan: string, interval: "month" | "year"): boolean;
  createCustomer(input: {
    tenantId: string;
    email: string;
    name: string;
    idempotencyKey: string;
  }): Promise<{ id: string }>;
  /**
   * The customer made for the tenant (by the `tenant_id` in its metadata), or null. `hint.email`
   * (the signup's) lets an implementation look further when a search finds nothing, e.g. list the
   * customers with that email and keep the one whose metadata names the tenant. Asked when the
   * customer step is retried, or an abandoned signup's customer must be deleted, after Stripe
   * forgot the idempotency key (24 h); without it those fail with `stripe_operation_stale` instead
   * of checking.
   */
  findCustomer?(tenantId: string, hint?: { email?: string }): Promise<{ id: string } | null>;
  /** Deleting a customer that no longer exists must succeed (compensations are retried). */
  deleteCustomer(customerId: string): Promise<void>;
  createCheckoutSession(input: {
    tenantId: string;
    slug: string;
    customerId: string;
    plan: string;
    interval: "month" | "year";
    idempotencyKey: string;
  }): Promise<{ id: string; url: string }>;
  /**
   * Starts a subscription in trial with no payment method (plans with `trialDays`). Without it,
   * signup on a trial plan goes through checkout.
   */
  startTrial?(input: {
    tenantId: string;
    slug: string;
    customerId: string;
    plan: string;
    interval: "month" | "year";
    trialDays: number;
    idempotencyKey: string;
  }): Promise<{ id: string }>;
  /**
   * Writes the customer's subscription state from Stripe (billing's `syncCustomer`), called once a
   * trial signup is active so the subscription reads `trialing` before any webhook arrives.
   */
  syncCustomer?(customerId: string): Promise<void>;
}

/**
 * An external organisation service (Clerk, WorkOS, ...). The default does nothing.
 * `createOrganization` must be idempotent per tenant id (a resumed signup calls it again);
 * `deleteOrganization` must succeed when there is nothing to delete.
 *
 * @example
 * createSignup({ ..., identity: { createOrganization, deleteOrganization } });
 */
export interface IdentityPort {
  createOrganization(input: { tenantId: string; slug: string; name: string; email: string }): Promise<void>;
  deleteOrganization(tenantId: string): Promise<void>;
}

/**
 * The identity step's default: no external organisation service.
 *
 * @example
 * createSignup({ ..., identity: noopIdentity });
 */
export const noopIdentity: IdentityPort = {
  async createOrganization() {},
  async deleteOrganization() {},
};
