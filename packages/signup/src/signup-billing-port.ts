/** @module The Stripe steps of the signup saga (BillingPort), on billing's client. */
import {
  type BillingDeps,
  BillingError,
  deleteCustomer,
  findCustomerByTenant,
  syncCustomer,
} from "@org/billing";
import type { BillingPort } from "./ports.js";

type StripeDeps = Pick<BillingDeps, "stripe" | "catalog" | "urls">;
type CheckoutInput = Parameters<BillingPort["createCheckoutSession"]>[0];
type TrialInput = Parameters<NonNullable<BillingPort["startTrial"]>>[0];

/**
 * Stripe calls for the signup saga. Given the whole of billing's deps (with `db`), it also syncs a
 * trial's subscription eagerly; with only Stripe, the catalogue and the URLs it leaves that to webhooks. The saga owns once-ness (it stores the idempotency key before
 * each step), so these pass its key to Stripe; the checkout is for the new customer, with the
 * tenant on `client_reference_id` and in the metadata of the session and its subscription.
 *
 * @example
 * const signup = createSignup({ db, bus, apiKeys, billing: signupBillingPort(billingDeps) });
 */
export function signupBillingPort(deps: StripeDeps | BillingDeps): BillingPort {
  return {
    ...("db" in deps
      ? { syncCustomer: async (customerId: string) => void (await syncCustomer(deps, customerId)) }
      : {}),
    sellsPlan: (plan, interval) => deps.catalog.priceId(plan, interval) !== undefined,
    async createCustomer(input) {
      const customer = await deps.stripe.customers.create(
        { email: input.email, name: input.name, metadata: { tenant_id: input.tenantId } },
        { idempotencyKey: input.idempotencyKey },
      );
      return { id: customer.id };
    },
    async findCustomer(tenantId, hint) {
      const id = await findCustomerByTenant(deps, tenantId).catch((error: unknown) => {
        // Search is not offered everywhere (and lags writes); the email listing below is not.
        if (!hint?.email) throw error;
        return undefined;
      });
      if (id) return { id };
      return hint?.email ? findCustomerByEmail(deps, tenantId, hint.email) : null;
    },
    deleteCustomer: (customerId) => deleteCustomer(deps, customerId),
    createCheckoutSession: (input) => createCheckoutSession(deps, input),
    startTrial: (input) => startTrial(deps, input),
  };
}

/**
 * The oldest live customer with this email whose metadata names the tenant. A list by email reads
 * its own writes (search may lag them by up to a minute) and needs no search support; another
 * tenant's customer with the same email is never taken, its metadata names that tenant.
 */
async function findCustomerByEmail(
  deps: StripeDeps,
  tenantId: string,
  email: string,
): Promise<{ id: string } | null> {
  const listed = await deps.stripe.customers
    .list({ email, limit: 100 })
    .autoPagingToArray({ limit: MAX_CUSTOMERS_PER_EMAIL });
  const ours = listed.filter((c) => c.metadata?.tenant_id === tenantId);
  ours.sort((a, b) => a.created - b.created);
  return ours[0] ? { id: ours[0].id } : null;
}

/** Far above the customers one email could have; only bounds a runaway listing. */
const MAX_CUSTOMERS_PER_EMAIL = 1_000;

/**
 * The plan's price at the interval. Signup checks `sellsPlan` before it creates anything, so a
 * missing price here means the catalogue changed during the signup.
 */
function priceOf(deps: StripeDeps, plan: string, interval: "month" | "year"): string {
  const price = deps.catalog.priceId(plan, interval);
  if (!price) throw new BillingError("plan_not_found", `plan ${plan} is not sold with a ${interval}ly price`);
  return price;
}

function subscriptionMetadata(input: CheckoutInput) {
  return { tenant_id: input.tenantId, tenant_slug: input.slug, plan: input.plan, interval: input.interval };
}

async function createCheckoutSession(
  deps: StripeDeps,
  input: CheckoutInput,
): Promise<{ id: string; url: string }> {
  const price = priceOf(deps, input.plan, input.interval);
  const metadata = subscriptionMetadata(input);
  const session = await deps.stripe.checkout.sessions.create(
    {
      mode: "subscription",
      customer: input.customerId,
      client_reference_id: input.tenantId,
      line_items: [{ price, quantity: 1 }],
      metadata,
      subscription_data: { metadata },
      success_url: deps.urls.checkoutSuccess,
      cancel_url: deps.urls.checkoutCancel,
    },
    { idempotencyKey: input.idempotencyKey },
  );
  if (!session.url) throw new BillingError("stripe_error", `checkout session ${session.id} has no URL`);
  return { id: session.id, url: session.url };
}

async function startTrial(deps: StripeDeps, input: TrialInput): Promise<{ id: string }> {
  const price = priceOf(deps, input.plan, input.interval);
  // No payment method: at the trial's end Stripe cancels the subscription unless the customer
  // added a card (portal or checkout), and sync moves the tenant back to the default plan.
  const subscription = await deps.stripe.subscriptions.create(
    {
      customer: input.customerId,
      items: [{ price, quantity: 1 }],
      trial_period_days: input.trialDays,
      trial_settings: { end_behavior: { missing_payment_method: "cancel" } },
      payment_settings: { save_default_payment_method: "on_subscription" },
      metadata: subscriptionMetadata(input),
    },
    { idempotencyKey: input.idempotencyKey },
  );
  return { id: subscription.id };
}
