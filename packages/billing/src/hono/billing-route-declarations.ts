/**
 * @module The declarations of `/v1/billing/*`: the routes that serve billing and the routes that
 * answer 501 when it is off register these same declarations, so the document does not depend on
 * whether Stripe is configured.
 */
import { z } from "@hono/zod-openapi";
import {
  apiRoute,
  bearer,
  jsonRequest,
  jsonResponse,
  OPTIONAL_IDEMPOTENCY_KEY,
  problemResponses,
} from "@org/server-kit/hono";
import {
  billingPreviewQuery,
  billingPreviewSchema,
  cancelBody,
  changeBody,
  checkoutBody,
  checkoutCompleteQuery,
  checkoutResponseSchema,
  invoicesPageSchema,
  pageQuery,
  paymentMethodsPageSchema,
  portalBody,
  portalResponseSchema,
  subscriptionResponseSchemas,
} from "./billing-schemas.js";

const tags = ["billing"];
const read = bearer("billing:read");
const write = bearer("billing:write");

/** `GET /v1/billing/preview`. */
export const billingPreviewRoute = apiRoute({
  method: "get",
  path: "/v1/billing/preview",
  summary: "What switching to a plan now would invoice (Stripe's prorated invoice preview)",
  tags,
  security: read,
  request: { query: billingPreviewQuery },
  responses: { 200: jsonResponse(billingPreviewSchema), ...problemResponses(400, 404, 501, 502) },
});

/** `POST /v1/billing/checkout`. */
const checkoutRoute = apiRoute({
  method: "post",
  path: "/v1/billing/checkout",
  summary: "A Checkout URL for a paid plan",
  tags,
  security: write,
  request: { headers: OPTIONAL_IDEMPOTENCY_KEY, body: jsonRequest(checkoutBody) },
  responses: { 200: jsonResponse(checkoutResponseSchema), ...problemResponses(400, 409, 501, 502) },
});

/** `POST /v1/billing/portal`. */
const portalRoute = apiRoute({
  method: "post",
  path: "/v1/billing/portal",
  summary: "A Customer Portal URL",
  tags,
  security: write,
  request: { headers: OPTIONAL_IDEMPOTENCY_KEY, body: jsonRequest(portalBody, false) },
  responses: { 200: jsonResponse(portalResponseSchema), ...problemResponses(400, 501, 502) },
});

/** `GET /v1/billing/invoices`. */
const invoicesRoute = apiRoute({
  method: "get",
  path: "/v1/billing/invoices",
  summary: "Invoices, newest first",
  tags,
  security: read,
  request: { query: pageQuery },
  responses: { 200: jsonResponse(invoicesPageSchema), ...problemResponses(400, 501) },
});

/** `GET /v1/billing/payment-methods`. */
const paymentMethodsRoute = apiRoute({
  method: "get",
  path: "/v1/billing/payment-methods",
  summary: "The customer's payment methods",
  tags,
  security: read,
  request: { query: pageQuery },
  responses: { 200: jsonResponse(paymentMethodsPageSchema), ...problemResponses(400, 501, 502) },
});

/** The routes that answer the subscription (and so its `usage`, described by `usageSchema`). */
function subscriptionRouteDeclarations(usageSchema: z.ZodType) {
  const schemas = subscriptionResponseSchemas(usageSchema);
  const subscription = jsonResponse(schemas.subscription);
  return {
    subscription: apiRoute({
      method: "get",
      path: "/v1/billing/subscription",
      summary: "Plan, status, period, cancellation and usage",
      tags,
      security: read,
      responses: { 200: subscription, ...problemResponses(501) },
    }),
    checkoutComplete: apiRoute({
      method: "get",
      path: "/v1/billing/checkout/complete",
      summary: "Eager sync after Checkout",
      tags,
      security: read,
      request: { query: checkoutCompleteQuery },
      responses: { 200: subscription, ...problemResponses(400, 404, 501, 502) },
    }),
    change: apiRoute({
      method: "post",
      path: "/v1/billing/subscription/change",
      summary: "Upgrade now (prorated) or downgrade at period end",
      tags,
      security: write,
      request: { headers: OPTIONAL_IDEMPOTENCY_KEY, body: jsonRequest(changeBody) },
      responses: {
        200: jsonResponse(schemas.planChange),
        // 402 payment_required: the upgrade's invoice was declined.
        ...problemResponses(400, 402, 404, 501, 502),
      },
    }),
    cancel: apiRoute({
      method: "post",
      path: "/v1/billing/subscription/cancel",
      summary: "Cancel at period end or now",
      tags,
      security: write,
      request: { headers: OPTIONAL_IDEMPOTENCY_KEY, body: jsonRequest(cancelBody, false) },
      responses: { 200: subscription, ...problemResponses(400, 404, 501, 502) },
    }),
    resume: apiRoute({
      method: "post",
      path: "/v1/billing/subscription/resume",
      summary: "Undo a cancellation at period end",
      tags,
      security: write,
      request: { headers: OPTIONAL_IDEMPOTENCY_KEY },
      responses: { 200: subscription, ...problemResponses(404, 409, 501, 502) },
    }),
  };
}

/**
 * Every `/v1/billing/*` route but the preview (declared on its own, {@link billingPreviewRoute}),
 * with `usage` of the subscription answers described by `usageSchema`.
 *
 * @param [usageSchema=z.unknown()] the schema of the metering package's usage summary
 * @example
 * const routes = billingRouteDeclarations(usageSummarySchema);
 * router.openapi(routes.subscription, handler);
 */
export function billingRouteDeclarations(usageSchema: z.ZodType = z.unknown()) {
  const { subscription, checkoutComplete, change, cancel, resume } =
    subscriptionRouteDeclarations(usageSchema);
  // The order of the keys is the order in which the not-configured routes register them.
  return {
    subscription,
    checkout: checkoutRoute,
    checkoutComplete,
    change,
    cancel,
    resume,
    portal: portalRoute,
    invoices: invoicesRoute,
    paymentMethods: paymentMethodsRoute,
  };
}
