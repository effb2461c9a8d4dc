/** @module @org/stripe-fake: a stateful Stripe stand-in for offline tests and local development. */

export type { CompleteCheckoutOptions } from "./billing/checkout.js";
export type { AdvanceResult } from "./billing/clock-runner.js";
export { parseDuration } from "./clock.js";
export type { BillingSettings, FinalFailureAction, MeterEventRecord } from "./core.js";
export { type StripeErrorType, StripeFakeError } from "./errors.js";
export type { ActiveFault, FaultController, FaultKind, FaultRule } from "./faults.js";
export { type Fixture, type FixtureCall, type FixtureRun, loadFixture, runFixture } from "./fixtures.js";
export { parseForm } from "./form.js";
export type { IdempotencyStore } from "./idempotency.js";
export type { LatencyController, LatencySetting } from "./latency.js";
export {
  DEFAULT_METERS,
  DEFAULT_PLANS,
  type MeterSeed,
  normalizePlans,
  type PlanPriceSeed,
  type PlanSeed,
} from "./plans.js";
export type { Store } from "./store.js";
export {
  createStripeFake,
  type StripeFake,
  type StripeFakeClock,
  type StripeFakeOptions,
} from "./stripe-fake.js";
export type * from "./types.js";
export type {
  WebhookDelivery,
  WebhookDeliveryController,
  WebhookFetch,
  WebhookSwitches,
} from "./webhooks/delivery.js";
export { signPayload } from "./webhooks/sign.js";
