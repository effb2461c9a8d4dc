/** @module Customers: create, update (default payment method, legacy source), delete. */
import type Stripe from "stripe";
import type { Core } from "../core.js";
import { invalidParam } from "../errors.js";
import { copy } from "../events.js";
import type { Params } from "../form.js";
import { newStripeId } from "../ids.js";
import { address, arr, int, mergeMetadata, obj, str, strings } from "../params.js";
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

const nullable = (params: Params, key: string) => str(params, key) ?? null;

const shippingOf = (params: Params): FakeCustomer["shipping"] | undefined => {
  if (params.shipping === "") return null;
  const hash = obj(params, "shipping");
  if (!hash) return undefined;
  const shipping: NonNullable<FakeCustomer["shipping"]> = {
    name: str(hash, "name") ?? "",
    phone: nullable(hash, "phone"),
  };
  const addr = address(hash, "address");
  if (addr) shipping.address = addr;
  return shipping;
};

const applyInvoiceSettings = (customer: FakeCustomer, params: Params) => {
  const settings = obj(params, "invoice_settings");
  if (!settings) return;
  const target = customer.invoice_settings;
  if (settings.footer !== undefined) target.footer = nullable(settings, "footer");
  if (settings.custom_fields !== undefined) {
    const fields = arr(settings, "custom_fields") ?? [];
    target.custom_fields = fields.length
      ? fields.map((field, index) => {
          if (typeof field !== "object" || Array.isArray(field))
            throw invalidParam(`invoice_settings[custom_fields][${index}]`, "Invalid hash");
          return { name: str(field, "name") ?? "", value: str(field, "value") ?? "" };
        })
      : null;
  }
  if (settings.rendering_options !== undefined) {
    const rendering = obj(settings, "rendering_options");
    target.rendering_options = rendering
      ? {
          amount_tax_display: nullable(rendering, "amount_tax_display"),
          template: nullable(rendering, "template"),
        }
      : null;
  }
};

// Every documented field the customer object carries is stored as sent; `tax`, `tax_id_data`,
// `cash_balance` and `validate` are accepted but have no effect (the fake computes no taxes).
const applyFields = (core: Core, customer: FakeCustomer, params: Params) => {
  for (const key of ["email", "name", "description", "phone", "business_name", "individual_name"] as const) {
    if (params[key] !== undefined) customer[key] = nullable(params, key) as string;
  }
  const addr = address(params, "address");
  if (addr !== undefined) customer.address = addr;
  const shipping = shippingOf(params);
  if (shipping !== undefined) customer.shipping = shipping;
  const locales = strings(params, "preferred_locales");
  if (locales !== undefined) customer.preferred_locales = locales;
  if (params.tax_exempt !== undefined)
    customer.tax_exempt = (str(params, "tax_exempt") ?? "none") as Stripe.Customer.TaxExempt;
  if (params.invoice_prefix !== undefined) customer.invoice_prefix = nullable(params, "invoice_prefix");
  const sequence = int(params, "next_invoice_sequence");
  if (sequence !== undefined) customer.next_invoice_sequence = sequence;
  const balance = int(params, "balance");
  if (balance !== undefined) customer.balance = balance;
  const clock = str(params, "test_clock");
  if (clock) customer.test_clock = core.store.require("test_helpers.test_clock", clock, "test_clock").id;
  applyInvoiceSettings(customer, params);
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
    next_invoice_sequence: 1,
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
  applyFields(core, customer, params);
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
  applyFields(core, customer, params);
  applyPaymentSettings(core, customer, params);
  core.events.emit("customer.updated", customer, before);
  return customer;
}
