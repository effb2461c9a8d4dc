/** @module @org/billing/hono: the billing routes and the Stripe webhook verification middleware. */

export { billingPreviewQuery, billingPreviewRoute, billingPreviewRoutes } from "./billing-preview-route.js";
export {
  type AdminCreditsRoutesOptions,
  adminCreditsRoutes,
  type CreditsRoutesOptions,
  creditGrantBody,
  creditsRoute,
  creditsRoutes,
  grantCreditsRoute,
} from "./credits-routes.js";
export {
  type BillingRoutesOptions,
  type BillingSubscriptionResponse,
  type BillingTenant,
  billingNotConfiguredRoutes,
  billingRoutes,
  type CheckoutResponse,
  cancelBody,
  changeBody,
  checkoutBody,
  checkoutCompleteQuery,
  type PlanChangeResponse,
  type PortalResponse,
  pageQuery,
  portalBody,
} from "./routes.js";
