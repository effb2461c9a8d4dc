/** @module Customers: create, update (default payment method, legacy source), delete. */
import type { Core } from "../core.js";
import { copy } from "../events.js";
import type { Params } from "../form.js";
import { newStripeId } from "../ids.js";
import { mergeMetadata, obj, str } from "../params.js";
import type { FakeCustomer } from "../types.js";
import { addSource, attachPaymentMethod } from "./payment-methods.js";

// Within one request, `pm_card_visa` named twice (as `payment_method` and as the invoice default)
// means the same card, as on Stripe: the test value resolves to the payment method just attached.
const applyPaymentSettings = (core: Core, customer: FakeCustomer, params: Params) => {
  const attached = new Map<string, string>();
  const pmParam = str(params, "payment_method");
  if (pmParam) attached.set(pmParam, attachPaymentMethod(core, pmParam, customer).id);
  const settings = obj(params, "invoice_settings");
  if (settings && settings.default_payment_method !== undefined) {
    const wanted = str(settings, "default_payment_method");
    if (!wanted) customer.invoice_settings.default_payment_method = null;
    else {
      const id = attached.get(wanted) ?? attachPaymentMethod(core, wanted, customer).id;
      customer.invoice_settings.default_payment_method = id;
    }
  }
  const source = str(params, "source");
  if (source) customer.default_source = addSource(core, customer, source).id;
  if (params.default_source !== undefined) customer.default_source = str(params, "default_source") ?? null;
};

const applyFields = (customer: FakeCustomer, params: Params) => {
  if (params.email !== undefined) customer.email = str(params, "email") ?? null;
  if (params.name !== undefined) customer.name = str(params, "name") ?? null;
  if (params.description !== undefined) customer.description = str(params, "description") ?? null;
  if (params.phone !== undefined) customer.phone = str(params, "phone") ?? null;
  customer.metadata = mergeMetadata(customer.metadata, params);
};

/**
 * Create a customer (`POST /v1/customers`), attaching `payment_method` and saving `source` if given.
 *
 * @example
 * createCustomer(core, { email: "a@b.c", metadata: { tenant_id: "ten_1" } });
 */
export function createCustomer(core: Core, params: Params): FakeCustomer {
  const customer: FakeCustomer = {
    id: newStripeId("cus"),
    object: "customer",
    address: null,
    balance: 0,
    created: core.clock.now(),
    currency: null,
    default_source: null,
    delinquent: false,
    description: null,
    email: null,
    invoice_prefix: newStripeId("x").slice(2, 10).toUpperCase(),
    invoice_settings: {
      custom_fields: null,
      default_payment_method: null,
      footer: null,
      rendering_options: null,
    },
    livemode: false,
    metadata: {},
    name: null,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: "none",
    test_clock: null,
  };
  applyFields(customer, params);
  core.store.put("customer", customer);
  core.events.emit("customer.created", customer);
  const before = copy(customer);
  applyPaymentSettings(core, customer, params);
  // Stripe reports the saved card as a customer update after the creation event.
  if (JSON.stringify(before) !== JSON.stringify(customer))
    core.events.emit("customer.updated", customer, before);
  return customer;
}

/**
 * Update a customer (`POST /v1/customers/:id`).
 *
 * @example
 * updateCustomer(core, customer, { invoice_settings: { default_payment_method: "pm_123" } });
 */
export function updateCustomer(core: Core, customer: FakeCustomer, params: Params): FakeCustomer {
  const before = copy(customer);
  applyFields(customer, params);
  applyPaymentSettings(core, customer, params);
  core.events.emit("customer.updated", customer, before);
  return customer;
}
