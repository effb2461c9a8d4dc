/** @module What the billing functions need, passed in by the app. */
import type { Database } from "@org/db";
import type { PlanCatalog } from "@org/plans";
import type Stripe from "stripe";

/** The subset of a pino logger billing uses. */
export interface BillingLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/**
 * How a retry finds out whether an old, unanswered call did happen: Stripe forgets idempotency keys
 * after 24 hours, so a pending operation older than that is never sent again under its key.
 */
export interface OutboundRunOptions {
  /**
   * Looks in Stripe for what the call would have made or changed (by metadata, or the object's
   * current state) and returns it, or null when the call did not happen. Without it, an operation
   * pending for more than 24 hours is refused (`StaleStripeOperationError`, code
   * `stripe_operation_stale`) rather than risk doing it twice.
   */
  find?: () => Promise<{ id: string } | null | undefined>;
}

/**
 * Idempotent outbound operations (`runOnce` of @org/idempotency): the key is stored before the call,
 * so a retry after a crash sends the same key and Stripe returns the same object; after 24 hours,
 * `options.find` is asked instead.
 */
export interface OutboundOperations {
  runOnce(
    operation: string,
    stableId: string,
    call: (idempotencyKey: string) => Promise<{ id: string }>,
    options?: OutboundRunOptions,
  ): Promise<string>;
}

/**
 * Events worth an alert, reported through {@link BillingMetrics.increment}:
 * - `billing_unknown_price_total`: a subscription's price is in no plan of the catalogue (neither
 *   current nor legacy); the tenant keeps its last known plan until the catalogue is fixed;
 * - `billing_duplicate_subscriptions_canceled_total`: a second live subscription of one tenant was
 *   found and cancelled;
 * - `billing_stale_snapshots_skipped_total`: a sync's Stripe read was older than the one already
 *   written (normal under concurrency, counted to see how often it happens).
 */
export type BillingMetric =
  | "billing_unknown_price_total"
  | "billing_duplicate_subscriptions_canceled_total"
  | "billing_stale_snapshots_skipped_total";

/** A hook to count events, e.g. backed by prom-client counters. */
export interface BillingMetrics {
  increment(name: BillingMetric): void;
}

export interface BillingUrls {
  /** Where Checkout sends a paying customer; `{CHECKOUT_SESSION_ID}` is filled in by Stripe. */
  checkoutSuccess: string;
  checkoutCancel: string;
  /** Default return URL of the Customer Portal. */
  portalReturn: string;
}

export interface BillingDeps {
  db: Database;
  stripe: Stripe;
  catalog: PlanCatalog;
  operations: OutboundOperations;
  urls: BillingUrls;
  logger?: BillingLogger;
  /** Counts the events of {@link BillingMetric}; wire it to the app's metrics to alert on them. */
  metrics?: BillingMetrics;
  clock?: () => Date;
  /** How long a past_due subscription keeps its plan. @default 7 days */
  pastDueGraceMs?: number;
  /** Called after a tenant's plan or status changed, e.g. to invalidate the tenant cache on every node. */
  onTenantChanged?: (tenantId: string) => void | Promise<void>;
}

/** What syncing and webhook handling need: no outbound mutations, no URLs. */
export type SyncDeps = Pick<
  BillingDeps,
  "db" | "stripe" | "catalog" | "logger" | "metrics" | "clock" | "pastDueGraceMs" | "onTenantChanged"
>;

export const DEFAULT_PAST_DUE_GRACE_MS = 7 * 24 * 60 * 60 * 1000;

const silent: BillingLogger = { info() {}, warn() {}, error() {} };
export const loggerOf = (deps: Pick<BillingDeps, "logger">): BillingLogger => deps.logger ?? silent;
export const nowOf = (deps: Pick<BillingDeps, "clock">): Date => (deps.clock ? deps.clock() : new Date());
