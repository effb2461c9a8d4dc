import { subscriptions } from "@org/db";
import { chaosScale } from "@org/vitest-config";
import { eq } from "drizzle-orm";
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "../test/harness.js";
import { createCheckout } from "./checkout.js";
import { cancelSubscription, changePlan, resumeSubscription } from "./manage.js";

const LIFECYCLES = chaosScale() === "full" ? 200 : 12;
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

describe("randomised lifecycles, webhooks shuffled and duplicated", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h?.close());

  it(`converge to the stand-in's final state (${LIFECYCLES} lifecycles)`, async () => {
    const customers: string[] = [];
    for (let i = 0; i < LIFECYCLES; i++) {
      const tenant = await h.newTenant();
      const checkout = await createCheckout(h.deps, tenant, {
        plan: pick(["pro", "enterprise"]),
        interval: pick(["month", "year"] as const),
      });
      h.fake.completeCheckout(checkout.sessionId);
      const withCustomer = { ...tenant, stripeCustomerId: (await h.tenant(tenant.id)).stripeCustomerId };
      customers.push(withCustomer.stripeCustomerId!);
      for (let step = 0; step < 3; step++) {
        const action = pick([
          "upgrade",
          "downgrade",
          "cancel_end",
          "resume",
          "cancel_now",
          "fail_card",
          "advance",
        ]);
        try {
          if (action === "upgrade") await changePlan(h.deps, withCustomer, { plan: "enterprise" });
          if (action === "downgrade") await changePlan(h.deps, withCustomer, { plan: "pro" });
          if (action === "cancel_end") await cancelSubscription(h.deps, withCustomer, { atPeriodEnd: true });
          if (action === "resume") await resumeSubscription(h.deps, withCustomer);
          if (action === "cancel_now") await cancelSubscription(h.deps, withCustomer, { atPeriodEnd: false });
          if (action === "fail_card") {
            const pm = await h.stripe.paymentMethods.attach("pm_card_chargeCustomerFail", {
              customer: withCustomer.stripeCustomerId!,
            });
            await h.stripe.customers.update(withCustomer.stripeCustomerId!, {
              invoice_settings: { default_payment_method: pm.id },
            });
            const [sub] = (await h.stripe.subscriptions.list({ customer: withCustomer.stripeCustomerId! }))
              .data;
            if (sub) await h.stripe.subscriptions.update(sub.id, { default_payment_method: pm.id });
          }
          if (action === "advance") h.fake.clock.advance(pick(["3d", "16d", "35d"]));
        } catch (error) {
          // Refusals are expected: impossible moves (resume without a cancellation, change without a
          // live subscription), and an upgrade whose payment a failing card declined.
          const code = (error as { code?: string }).code;
          if (!["subscription_not_found", "conflict", "payment_required"].includes(code ?? "")) throw error;
        }
      }
    }
    h.fake.clock.advance("40d");
    await h.deliverPending((events: Stripe.Event[]) =>
      [...events, ...events.filter(() => Math.random() < 0.3)].sort(() => Math.random() - 0.5),
    );
    for (const customerId of customers) {
      const truth = (await h.stripe.subscriptions.list({ customer: customerId, status: "all" })).data;
      const ours = await h.t.db
        .select()
        .from(subscriptions)
        .where(eq(subscriptions.stripeCustomerId, customerId));
      expect(
        ours.map((s) => [s.stripeSubscriptionId, s.status, s.priceIds.join(), s.cancelAtPeriodEnd]).sort(),
      ).toEqual(
        truth
          .map((s) => [s.id, s.status, s.items.data.map((i) => i.price.id).join(), s.cancel_at_period_end])
          .sort(),
      );
    }
  }, 300_000);
});
