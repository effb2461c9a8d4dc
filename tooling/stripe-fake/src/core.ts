/** @module The state and services every part of the fake shares. */
import type { FakeClock } from "./clock.js";
import type { EventEmitter } from "./events.js";
import type { Store } from "./store.js";
import type { FakeInvoice, FakeMeterEvent } from "./types.js";

/** What happens to a subscription once every retry of a failed renewal has failed (Stripe's setting). */
export type FinalFailureAction = "cancel" | "unpaid" | "past_due";

/** Billing behaviour the fake follows (Stripe account settings). */
export interface BillingSettings {
  /** Days between payment retries of a failed invoice (Stripe's retry schedule). */
  paymentRetryDays: number[];
  /** The subscription's fate after the last retry fails. */
  afterFinalFailure: FinalFailureAction;
  /** `customer.subscription.trial_will_end` is sent this many days before a trial ends. */
  trialWillEndDays: number;
  /** `invoice.upcoming` is sent this many days before a subscription renews (Stripe's "upcoming renewal events"). */
  upcomingInvoiceDays: number;
  /** An `incomplete` subscription expires after this many hours without payment. */
  incompleteExpiresHours: number;
  /** Checkout sessions expire after this many hours. */
  checkoutExpiresHours: number;
}

/** Shared internals: state, time, events and where the fake is reachable. */
export interface Core {
  store: Store;
  clock: FakeClock;
  events: EventEmitter;
  settings: BillingSettings;
  apiVersion: string;
  /** Base URL of the running server (for checkout, portal and invoice URLs). */
  baseUrl(): string;
  /** Payment methods and sources whose charges fail. */
  failingInstruments: Set<string>;
  /** Payment methods whose charges need the customer to authenticate (3D Secure). */
  authenticatingInstruments: Set<string>;
  /** How invoice outcomes reach their subscription (set by the subscription engine; avoids an import cycle). */
  hooks: InvoiceHooks;
  /** Billing meter events by identifier (Stripe dedupes on it). */
  meterEvents: Map<string, MeterEventRecord>;
}

/** A stored meter event with the customer it was mapped to. */
export interface MeterEventRecord {
  event: FakeMeterEvent;
  customer: string | null;
  value: number;
}

/** Reactions to invoice outcomes. */
export interface InvoiceHooks {
  invoicePaid(invoice: FakeInvoice): void;
  invoicePaymentFailed(invoice: FakeInvoice, automatic: boolean): void;
}
