/** @module @org/billing/hono: the billing routes and the Stripe webhook verification middleware. */
export {
  type BillingRoutesOptions,
  type BillingTenant,
  billingNotConfiguredRoutes,
  billingRoutes,
  cancelBody,
  changeBody,
  checkoutBody,
  checkoutCompleteQuery,
  pageQuery,
  portalBody,
} from "./routes.js";
