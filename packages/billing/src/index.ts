/** @module @org/billing: subscriptions on Stripe that never drift. */

export {
  type CatalogData,
  CatalogError,
  catalogSchema,
  createPlanCatalog,
  DEFAULT_PLANS,
  type Interval,
  loadPlanCatalog,
  type OveragePricing,
  overagePricingSchema,
  type Plan,
  type PlanCatalog,
  type PlanMeter,
  type PriceMatch,
  planMeterSchema,
  planSchema,
  toMeteringPlan,
} from "@org/plans";
export { type CheckoutRequest, type CheckoutResult, createCheckout } from "./checkout.js";
export {
  type BillingDeps,
  type BillingLogger,
  type BillingMetric,
  type BillingMetrics,
  type BillingUrls,
  DEFAULT_PAST_DUE_GRACE_MS,
  type OutboundOperations,
  type OutboundRunOptions,
  type SyncDeps,
} from "./context.js";
export {
  type ConsumeRequest,
  type CreditEntry,
  type CreditGrant,
  consumeCredits,
  consumedBy,
  consumeInTransaction,
  creditBalance,
  type GrantInput,
  type GrantRequest,
  grantCredits,
  grantInputSchema,
  listCreditLedger,
  overageCredits,
} from "./credits/index.js";
export { decodeCursor, encodeCursor } from "./cursor.js";
export { deleteCustomer, ensureCustomer, findCustomerByTenant, type TenantForBilling } from "./customers.js";
export {
  ENTITLEMENT_TABLE,
  type Entitlement,
  type EntitlementState,
  entitlementFor,
} from "./entitlement-policy.js";
export { BillingError } from "./errors.js";
export {
  billingHandler,
  claimDue,
  createInboxWorker,
  DEFAULT_INBOX_RETENTION_MS,
  DEFAULT_RETRY_SCHEDULE,
  type EventHandler,
  findEvent,
  INBOX_CHANNEL,
  type InboxEvent,
  type InboxRow,
  type InboxWorker,
  type InboxWorkerMetrics,
  type IncomingEvent,
  insertEvent,
  type ListEventsOptions,
  listEvents,
  listEventsQuery,
  markFailed,
  markProcessed,
  nextRetry,
  purgeProcessedEvents,
  type QueueStats,
  queueStats,
  type ReplayEventResult,
  type ReplayOptions,
  type RetrySchedule,
  replayDeadEvents,
  replayEvent,
  requeue,
  retryDelayMs,
  type WorkerOptions,
} from "./inbox/index.js";
export {
  type InvoiceView,
  listInvoices,
  listPaymentMethods,
  type Page,
  type PaymentMethodView,
} from "./lists.js";
export {
  type ChangeKind,
  type ChangePlanRequest,
  cancelSubscription,
  changePlan,
  createPortalSession,
  type MutationOptions,
  type ProrationBehavior,
  resumeSubscription,
  setSeats,
} from "./manage.js";
export {
  deliverNotifications,
  enqueueNotification,
  logNotificationSender,
  NOTIFICATION_SIGNATURE_HEADER,
  type Notification,
  type NotificationDeliveryDeps,
  type NotificationDeliveryOptions,
  type NotificationDeliveryResult,
  type NotificationInput,
  type NotificationKind,
  type NotificationSender,
  notificationOutboxDepth,
  signNotificationBody,
  webhookNotificationSender,
} from "./notifications/index.js";
export { type PlanChangePreview, previewPlanChange } from "./preview.js";
export { type ReconcileProgress, reconcileAll } from "./reconcile.js";
export {
  createStripeClient,
  STRIPE_API_VERSION,
  type StripeClientConfig,
  stripeClientConfigSchema,
} from "./stripe-client.js";
export { currentSubscription, LIVE_STATUSES } from "./stripe-shapes.js";
export { type SubscriptionView, subscriptionView } from "./subscription-view.js";
export { type SyncResult, syncCustomer } from "./sync.js";
export { isImpossibleTransition } from "./transitions.js";
export {
  customerOfEvent,
  HANDLED_EVENT_TYPES,
  type HandleOutcome,
  handleStripeEvent,
} from "./webhooks/handlers.js";
export {
  type SignatureFailure,
  type VerifyOptions,
  type VerifyResult,
  verifyStripeSignature,
} from "./webhooks/verify.js";
