/**
 * @module The objects the fake stores and answers, typed with the `stripe` package's own types.
 * Each is a `Pick` of the SDK's interface: every field the fake sends has exactly Stripe's name and
 * type; fields the platform never reads are left out rather than invented.
 */
import type Stripe from "stripe";

export type FakeCustomer = Pick<
  Stripe.Customer,
  | "id"
  | "object"
  | "address"
  | "balance"
  | "business_name"
  | "created"
  | "currency"
  | "default_source"
  | "delinquent"
  | "description"
  | "email"
  | "individual_name"
  | "invoice_prefix"
  | "invoice_settings"
  | "livemode"
  | "metadata"
  | "name"
  | "next_invoice_sequence"
  | "phone"
  | "preferred_locales"
  | "shipping"
  | "tax_exempt"
  | "test_clock"
>;

export type FakeProduct = Pick<
  Stripe.Product,
  | "id"
  | "object"
  | "active"
  | "created"
  | "default_price"
  | "description"
  | "images"
  | "livemode"
  | "marketing_features"
  | "metadata"
  | "name"
  | "shippable"
  | "statement_descriptor"
  | "tax_code"
  | "type"
  | "unit_label"
  | "updated"
  | "url"
>;

export type FakePrice = Pick<
  Stripe.Price,
  | "id"
  | "object"
  | "active"
  | "billing_scheme"
  | "created"
  | "currency"
  | "livemode"
  | "lookup_key"
  | "metadata"
  | "nickname"
  | "product"
  | "recurring"
  | "tax_behavior"
  | "tiers_mode"
  | "transform_quantity"
  | "type"
  | "unit_amount"
  | "unit_amount_decimal"
>;

export type FakePlan = Pick<
  Stripe.Plan,
  | "id"
  | "object"
  | "active"
  | "amount"
  | "amount_decimal"
  | "billing_scheme"
  | "created"
  | "currency"
  | "interval"
  | "interval_count"
  | "livemode"
  | "metadata"
  | "meter"
  | "nickname"
  | "product"
  | "tiers_mode"
  | "transform_usage"
  | "trial_period_days"
  | "usage_type"
>;

export type FakeCard = Pick<
  Stripe.Card,
  | "id"
  | "object"
  | "brand"
  | "country"
  | "customer"
  | "exp_month"
  | "exp_year"
  | "funding"
  | "last4"
  | "metadata"
>;

export type FakePaymentMethod = Pick<
  Stripe.PaymentMethod,
  "id" | "object" | "billing_details" | "card" | "created" | "customer" | "livemode" | "metadata" | "type"
>;

export type FakeSubscriptionItem = Pick<
  Stripe.SubscriptionItem,
  | "id"
  | "object"
  | "created"
  | "current_period_end"
  | "current_period_start"
  | "discounts"
  | "metadata"
  | "plan"
  | "price"
  | "quantity"
  | "subscription"
  | "tax_rates"
>;

export type FakeSubscription = Omit<
  Pick<
    Stripe.Subscription,
    | "id"
    | "object"
    | "billing_cycle_anchor"
    | "cancel_at"
    | "cancel_at_period_end"
    | "canceled_at"
    | "cancellation_details"
    | "collection_method"
    | "created"
    | "currency"
    | "customer"
    | "days_until_due"
    | "default_payment_method"
    | "description"
    | "ended_at"
    | "items"
    | "latest_invoice"
    | "livemode"
    | "metadata"
    | "pause_collection"
    | "pending_update"
    | "schedule"
    | "start_date"
    | "status"
    | "test_clock"
    | "trial_end"
    | "trial_settings"
    | "trial_start"
  >,
  "items"
> & { items: FakeList<FakeSubscriptionItem> };

export type FakeSubscriptionSchedule = Pick<
  Stripe.SubscriptionSchedule,
  | "id"
  | "object"
  | "canceled_at"
  | "completed_at"
  | "created"
  | "current_phase"
  | "customer"
  | "end_behavior"
  | "livemode"
  | "metadata"
  | "phases"
  | "released_at"
  | "released_subscription"
  | "status"
  | "subscription"
  | "test_clock"
>;

export type FakeInvoiceLineItem = Pick<
  Stripe.InvoiceLineItem,
  | "id"
  | "object"
  | "amount"
  | "currency"
  | "description"
  | "discountable"
  | "discounts"
  | "invoice"
  | "livemode"
  | "metadata"
  | "parent"
  | "period"
  | "pricing"
  | "quantity"
  | "subscription"
  | "subtotal"
>;

export type FakeInvoice = Omit<
  Pick<
    Stripe.Invoice,
    | "id"
    | "object"
    | "amount_due"
    | "amount_paid"
    | "amount_remaining"
    | "attempt_count"
    | "attempted"
    | "auto_advance"
    | "billing_reason"
    | "collection_method"
    | "created"
    | "currency"
    | "customer"
    | "customer_email"
    | "customer_name"
    | "default_payment_method"
    | "description"
    | "due_date"
    | "effective_at"
    | "hosted_invoice_url"
    | "invoice_pdf"
    | "lines"
    | "livemode"
    | "metadata"
    | "next_payment_attempt"
    | "number"
    | "parent"
    | "period_end"
    | "period_start"
    | "status"
    | "status_transitions"
    | "subtotal"
    | "total"
    | "webhooks_delivered_at"
  >,
  "lines"
> & { lines: FakeList<FakeInvoiceLineItem> };

export type FakeInvoiceItem = Pick<
  Stripe.InvoiceItem,
  | "id"
  | "object"
  | "amount"
  | "currency"
  | "customer"
  | "date"
  | "description"
  | "discountable"
  | "invoice"
  | "livemode"
  | "metadata"
  | "parent"
  | "period"
  | "pricing"
  | "proration"
  | "quantity"
>;

export type FakeCheckoutSession = Pick<
  Stripe.Checkout.Session,
  | "id"
  | "object"
  | "allow_promotion_codes"
  | "amount_subtotal"
  | "amount_total"
  | "billing_address_collection"
  | "cancel_url"
  | "client_reference_id"
  | "created"
  | "currency"
  | "customer"
  | "customer_creation"
  | "customer_email"
  | "expires_at"
  | "invoice"
  | "livemode"
  | "locale"
  | "metadata"
  | "mode"
  | "payment_method_collection"
  | "payment_method_types"
  | "payment_status"
  | "return_url"
  | "status"
  | "submit_type"
  | "subscription"
  | "success_url"
  | "ui_mode"
  | "url"
>;

export type FakePortalSession = Pick<
  Stripe.BillingPortal.Session,
  | "id"
  | "object"
  | "configuration"
  | "created"
  | "customer"
  | "livemode"
  | "locale"
  | "on_behalf_of"
  | "return_url"
  | "url"
>;

export type FakeMeter = Pick<
  Stripe.Billing.Meter,
  | "id"
  | "object"
  | "created"
  | "customer_mapping"
  | "default_aggregation"
  | "display_name"
  | "event_name"
  | "livemode"
  | "status"
  | "updated"
  | "value_settings"
>;

export type FakeMeterEvent = Pick<
  Stripe.Billing.MeterEvent,
  "object" | "created" | "event_name" | "identifier" | "livemode" | "payload" | "timestamp"
>;

export type FakeEvent = Pick<
  Stripe.Event,
  "id" | "object" | "api_version" | "created" | "livemode" | "pending_webhooks" | "request"
> & {
  type: string;
  data: { object: Record<string, unknown>; previous_attributes?: Record<string, unknown> };
};

export type FakeTestClock = Pick<
  Stripe.TestHelpers.TestClock,
  | "id"
  | "object"
  | "created"
  | "deletes_after"
  | "frozen_time"
  | "livemode"
  | "name"
  | "status"
  | "status_details"
>;

/** Stripe's list envelope. */
export interface FakeList<T> {
  object: "list";
  data: T[];
  has_more: boolean;
  url: string;
  total_count?: number;
}

/** Every object kind the store keeps. */
export interface FakeObjects {
  customer: FakeCustomer;
  product: FakeProduct;
  price: FakePrice;
  card: FakeCard;
  payment_method: FakePaymentMethod;
  subscription: FakeSubscription;
  subscription_item: FakeSubscriptionItem;
  subscription_schedule: FakeSubscriptionSchedule;
  invoice: FakeInvoice;
  invoiceitem: FakeInvoiceItem;
  "checkout.session": FakeCheckoutSession;
  "billing_portal.session": FakePortalSession;
  "billing.meter": FakeMeter;
  event: FakeEvent;
  "test_helpers.test_clock": FakeTestClock;
}

export type FakeKind = keyof FakeObjects;
