import { Writable } from "node:stream";
import {
  type BillingDeps,
  createCheckout,
  createStripeClient,
  ensureCustomer,
  loadPlanCatalog,
} from "@org/billing";
import { signedWebhookRequest } from "@org/billing/testing";
import { type Database, newId, tenants } from "@org/db";
import { createStripeOperations } from "@org/idempotency";
import { createLogger, createMetrics } from "@org/server-kit";
import type { StripeFake } from "@org/stripe-fake";
import type Stripe from "stripe";

export { fakeEvent } from "@org/billing/testing";

/** Billing against the Stripe stand-in, for tests that play the customer (checkout, plan changes). */
export function testBilling(db: Database, stripe: Stripe): BillingDeps {
  return {
    db,
    stripe,
    catalog: loadPlanCatalog(),
    operations: createStripeOperations({ db }),
    urls: {
      checkoutSuccess: "https://x.test/ok",
      checkoutCancel: "https://x.test/",
      portalReturn: "https://x.test/",
    },
  };
}

export const SECRET = "whsec_test_intake_secret";
export const ADMIN_TOKEN = "admin-token-of-at-least-32-characters!";
export const silentLogger = () =>
  createLogger({
    service: "webhook-worker",
    level: "silent",
    destination: new Writable({ write: (_c, _e, cb) => cb() }),
  });
export const testMetrics = () => createMetrics({ service: "webhook-worker", defaultMetrics: false });

/**
 * A free tenant that then pays for `plan` through Checkout on the stand-in (no webhook is processed:
 * the tenant's row still says free). Returns the tenant id.
 */
export async function subscribedTenant(db: Database, fake: StripeFake, plan: string): Promise<string> {
  const id = newId("tenant");
  const tenant = {
    id,
    slug: `t-${id.slice(4, 14).toLowerCase()}`,
    name: "Acme",
    email: "owner@acme.test",
    plan: "free",
    status: "active" as const,
  };
  await db.insert(tenants).values(tenant);
  const billing = testBilling(db, createStripeClient({ secretKey: "sk_test_setup", apiBase: fake.url }));
  const customerId = await ensureCustomer(billing, { ...tenant, stripeCustomerId: null });
  const checkout = await createCheckout(
    billing,
    { ...tenant, stripeCustomerId: customerId },
    { plan, interval: "month" },
  );
  fake.completeCheckout(checkout.sessionId);
  return id;
}

/** A `POST /webhooks/stripe` request init signed with {@link SECRET} (or `secret`). */
export const signedRequest = (
  event: unknown,
  options: { secret?: string; timestamp?: number; body?: string } = {},
) => signedWebhookRequest(event, { ...options, secret: options.secret ?? SECRET });
