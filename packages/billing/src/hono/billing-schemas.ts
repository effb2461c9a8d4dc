/** @module The request and response bodies of `/v1/billing/*`, as zod schemas. */
import { z } from "@hono/zod-openapi";

const interval = z.enum(["month", "year"]);

/** The body of `POST /v1/billing/checkout`. */
export const checkoutBody = z.object({
  plan: z.string().min(1),
  interval: interval.default("month"),
});
/** The body of `POST /v1/billing/subscription/change`. */
export const changeBody = z.object({
  plan: z.string().min(1),
  interval: interval.optional(),
  prorationBehavior: z.enum(["create_prorations", "always_invoice", "none"]).optional(),
});
/** The body of `POST /v1/billing/subscription/cancel`. */
export const cancelBody = z.object({ atPeriodEnd: z.boolean().default(true) });
/** The body of `POST /v1/billing/portal`. */
export const portalBody = z.object({ returnUrl: z.url({ protocol: /^https?$/ }).optional() });
/** The query of the paginated lists (invoices, payment methods, credits). */
export const pageQuery = z.object({
  cursor: z.string().min(1).max(500).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
/** The query of `GET /v1/billing/checkout/complete` (Checkout's success URL). */
export const checkoutCompleteQuery = z.object({ session_id: z.string().regex(/^cs_[A-Za-z0-9_]+$/) });
/** The query of `GET /v1/billing/preview`. */
export const billingPreviewQuery = z.object({
  plan: z.string().min(1).max(64),
  interval: interval.optional(),
});

/** The tenant's subscription from the synced copy (`SubscriptionView` of `@org/billing`). */
export const subscriptionViewSchema = z
  .object({
    plan: z.string(),
    status: z.string().nullable(),
    interval: interval.nullable(),
    currentPeriodStart: z.string().nullable(),
    currentPeriodEnd: z.string().nullable(),
    cancelAtPeriodEnd: z.boolean(),
    canceledAt: z.string().nullable(),
    trialEnd: z.string().nullable(),
    quantity: z.number().int().nullable(),
    scheduledChange: z
      .object({ plan: z.string(), interval: z.string().nullable(), at: z.string().nullable() })
      .nullable(),
    stripeSubscriptionId: z.string().nullable(),
  })
  .openapi("SubscriptionView");

/** What a plan change did (`ChangeKind` of `@org/billing`). */
export const changeKindSchema = z.enum([
  "upgrade",
  "downgrade_scheduled",
  "scheduled_change_canceled",
  "unchanged",
]);

/**
 * The subscription answer and the plan-change answer, with `usage` described by `usageSchema`: the
 * usage summary comes from the metering package, which the app passes in.
 *
 * @param [usageSchema=z.unknown()] the schema of the `usage` member
 * @example
 * const { subscription } = subscriptionResponseSchemas(usageSummarySchema);
 */
export function subscriptionResponseSchemas(usageSchema: z.ZodType = z.unknown()) {
  const subscription = subscriptionViewSchema
    .extend({ usage: usageSchema.optional() })
    .openapi("BillingSubscription");
  const planChange = z.object({ change: changeKindSchema, subscription }).openapi("PlanChange");
  return { subscription, planChange };
}

const withUnknownUsage = subscriptionResponseSchemas();
/** The body of `GET /v1/billing/subscription` and of the routes that change it. */
export const billingSubscriptionResponseSchema = withUnknownUsage.subscription;
/** The body of `POST /v1/billing/subscription/change`: what the change did, and the subscription after it. */
export const planChangeResponseSchema = withUnknownUsage.planChange;

/** The body of `GET /v1/billing/subscription` and of the routes that change it; `usage` is `usageOf`'s answer. */
export type BillingSubscriptionResponse = z.infer<typeof billingSubscriptionResponseSchema>;
/** The body of `POST /v1/billing/subscription/change`. */
export type PlanChangeResponse = z.infer<typeof planChangeResponseSchema>;

/** The body of `POST /v1/billing/checkout`. */
export const checkoutResponseSchema = z
  .object({ url: z.string(), sessionId: z.string() })
  .openapi("Checkout");
export type CheckoutResponse = z.infer<typeof checkoutResponseSchema>;

/** The body of `POST /v1/billing/portal`. */
export const portalResponseSchema = z.object({ url: z.string() }).openapi("PortalSession");
export type PortalResponse = z.infer<typeof portalResponseSchema>;

/** One invoice of the synced copy (`InvoiceView` of `@org/billing`). */
export const invoiceViewSchema = z
  .object({
    id: z.string(),
    number: z.string().nullable(),
    status: z.string(),
    amountDue: z.number().int(),
    amountPaid: z.number().int(),
    currency: z.string(),
    periodStart: z.string().nullable(),
    periodEnd: z.string().nullable(),
    hostedInvoiceUrl: z.string().nullable(),
    invoicePdf: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("Invoice");

/** The body of `GET /v1/billing/invoices`, newest first. */
export const invoicesPageSchema = z
  .object({ data: z.array(invoiceViewSchema), nextCursor: z.string().nullable() })
  .openapi("InvoicesPage");

/** One of the customer's payment methods (`PaymentMethodView` of `@org/billing`). */
export const paymentMethodViewSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    brand: z.string().nullable(),
    last4: z.string().nullable(),
    expMonth: z.number().int().nullable(),
    expYear: z.number().int().nullable(),
    isDefault: z.boolean(),
  })
  .openapi("PaymentMethod");

/** The body of `GET /v1/billing/payment-methods`. */
export const paymentMethodsPageSchema = z
  .object({ data: z.array(paymentMethodViewSchema), nextCursor: z.string().nullable() })
  .openapi("PaymentMethodsPage");

/** The body of `GET /v1/billing/preview` (`PlanChangePreview` of `@org/billing`). */
export const billingPreviewSchema = z
  .object({
    plan: z.string(),
    interval,
    currency: z.string(),
    amountDue: z.number().int(),
    prorationDate: z.string(),
    lines: z.array(
      z.object({ description: z.string().nullable(), amount: z.number().int(), proration: z.boolean() }),
    ),
  })
  .openapi("BillingPreview");
