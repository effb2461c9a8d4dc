/** @module `/v1/payment_methods`, `/v1/checkout/sessions`, `/v1/billing_portal/sessions`. */
import {
  completeCheckoutSession,
  createCheckoutSession,
  expireCheckoutSession,
  sessionItems,
} from "../billing/checkout.js";
import {
  attachPaymentMethod,
  detachPaymentMethod,
  resolvePaymentMethod,
} from "../billing/payment-methods.js";
import type { Core } from "../core.js";
import { invalidParam } from "../errors.js";
import { newStripeId } from "../ids.js";
import { paginate } from "../list.js";
import { obj, requireStr, str } from "../params.js";
import type { FakePortalSession } from "../types.js";
import { type FakeApp, handle } from "./handle.js";

/**
 * Mount payment method, checkout and billing portal routes.
 *
 * @example
 * registerPayments(app, core);
 */
export function registerPayments(app: FakeApp, core: Core): void {
  app.post(
    "/v1/payment_methods",
    handle(core, ({ params }) => {
      const card = obj(params, "card");
      const token = card ? str(card, "token") : undefined;
      if (!token)
        throw invalidParam(
          "card[token]",
          "The fake accepts cards as Stripe test tokens: card[token]=tok_visa.",
        );
      return resolvePaymentMethod(core, `pm_card_${token.replace(/^tok_/, "")}`);
    }),
  );
  app.get(
    "/v1/payment_methods",
    handle(core, ({ params }) => {
      const customer = requireStr(params, "customer");
      const type = str(params, "type");
      const items = core.store
        .all("payment_method")
        .filter((pm) => pm.customer === customer && (!type || pm.type === type));
      return paginate(items, params, "/v1/payment_methods");
    }),
  );
  app.get(
    "/v1/payment_methods/:id",
    handle(core, ({ path }) => resolvePaymentMethod(core, path.id as string, "id")),
  );
  app.post(
    "/v1/payment_methods/:id/attach",
    handle(core, ({ params, path }) => {
      const customer = core.store.require("customer", requireStr(params, "customer"), "customer");
      return attachPaymentMethod(core, path.id as string, customer);
    }),
  );
  app.post(
    "/v1/payment_methods/:id/detach",
    handle(core, ({ path }) =>
      detachPaymentMethod(core, core.store.require("payment_method", path.id as string)),
    ),
  );

  app.post(
    "/v1/checkout/sessions",
    handle(core, ({ params }) => createCheckoutSession(core, params)),
  );
  app.get(
    "/v1/checkout/sessions",
    handle(core, ({ params }) => {
      const customer = str(params, "customer");
      const subscription = str(params, "subscription");
      const status = str(params, "status");
      const items = core.store
        .all("checkout.session")
        .filter((s) => !customer || s.customer === customer)
        .filter((s) => !subscription || s.subscription === subscription)
        .filter((s) => !status || s.status === status);
      return paginate(items, params, "/v1/checkout/sessions");
    }),
  );
  app.get(
    "/v1/checkout/sessions/:id",
    handle(core, ({ path }) => core.store.require("checkout.session", path.id as string)),
  );
  app.get(
    "/v1/checkout/sessions/:id/line_items",
    handle(core, ({ params, path }) => {
      const session = core.store.require("checkout.session", path.id as string);
      const data = sessionItems(core, session.id).map(({ price, quantity }, index) => ({
        id: `li_${session.id.slice(8)}${index}`,
        object: "item",
        amount_subtotal: (price.unit_amount ?? 0) * quantity,
        amount_total: (price.unit_amount ?? 0) * quantity,
        currency: price.currency,
        description: price.nickname ?? String(price.product),
        price,
        quantity,
      }));
      return paginate(data, params, `/v1/checkout/sessions/${session.id}/line_items`);
    }),
  );
  app.post(
    "/v1/checkout/sessions/:id/expire",
    handle(core, ({ path }) =>
      expireCheckoutSession(core, core.store.require("checkout.session", path.id as string)),
    ),
  );
  // Not a Stripe endpoint: lets an SDK-only test play the paying customer.
  app.post(
    "/v1/test_helpers/checkout/sessions/:id/complete",
    handle(core, ({ params, path }) => {
      const options: { paymentMethod?: string; email?: string } = {};
      const pm = str(params, "payment_method");
      if (pm) options.paymentMethod = pm;
      const email = str(params, "email");
      if (email) options.email = email;
      return completeCheckoutSession(core, path.id as string, options);
    }),
  );

  app.post(
    "/v1/billing_portal/sessions",
    handle(core, ({ params }) => {
      const customer = core.store.require("customer", requireStr(params, "customer"), "customer");
      const id = newStripeId("bps");
      const session: FakePortalSession = {
        id,
        object: "billing_portal.session",
        configuration: str(params, "configuration") ?? "bpc_stripe_fake_default",
        created: core.clock.now(),
        customer: customer.id,
        livemode: false,
        locale: (str(params, "locale") ?? null) as FakePortalSession["locale"],
        on_behalf_of: str(params, "on_behalf_of") ?? null,
        return_url: str(params, "return_url") ?? null,
        url: `${core.baseUrl()}/billing_portal/${id}`,
      };
      core.store.put("billing_portal.session", session);
      core.events.emit("billing_portal.session.created", session);
      return session;
    }),
  );
}
