/** @module The route access table: what every route of api and cloud-api needs, in one place. */
import { type RouteAccessTable, TENANT_ROUTE_SCOPES } from "@org/multitenancy/hono";

/**
 * Every route the platform's services serve and what it needs: a scope of the caller's API key or
 * JWT, `public` (no credentials), or `admin` (the admin token). `mountV1` enforces the scopes on
 * /v1 (403 `insufficient_scope`), and `assertRoutesDeclared` stops a service whose app has a route
 * missing here. docs/operations.md lists the table for operators.
 *
 * @example
 * ROUTE_ACCESS["POST /v1/usage/events"]; // "usage:write"
 */
export const ROUTE_ACCESS = {
  "GET /health": "public",
  "GET /ready": "public",
  // Guarded by METRICS_TOKEN (or a separate port), not by a tenant's scopes.
  "GET /metrics": "public",
  "GET /openapi.json": "public",
  "GET /docs": "public",
  "GET /docs/assets/:file": "public",
  "POST /v1/tenants": "public",
  ...TENANT_ROUTE_SCOPES,
  "POST /v1/usage/events": "usage:write",
  "GET /v1/usage": "usage:read",
  "GET /v1/usage/summary": "usage:read",
  "GET /v1/usage/preview": "usage:read",
  "GET /v1/entitlements/:feature": "usage:read",
  "GET /v1/credits": "billing:read",
  "GET /v1/usage/alerts": "usage:read",
  // A spend cap can refuse every metered request: a spending setting, as billing's are.
  "PUT /v1/usage/alerts": "billing:write",
  "GET /v1/billing/subscription": "billing:read",
  "GET /v1/billing/invoices": "billing:read",
  "GET /v1/billing/preview": "billing:read",
  "GET /v1/billing/payment-methods": "billing:read",
  "GET /v1/billing/checkout/complete": "billing:read",
  "POST /v1/billing/checkout": "billing:write",
  "POST /v1/billing/subscription/change": "billing:write",
  "POST /v1/billing/subscription/cancel": "billing:write",
  "POST /v1/billing/subscription/resume": "billing:write",
  "POST /v1/billing/portal": "billing:write",
  // Served instead of the billing routes when billing is off: answers 501 to any method.
  "ALL /v1/billing/*": "billing:read",
  "GET /admin/tenants": "admin",
  "PATCH /admin/tenants/:id": "admin",
  "POST /admin/tenants/:id/credits": "admin",
  // The admin console (HTML, @org/admin-console): the login form is public, the rest needs a
  // console session opened with the admin token, and every POST a CSRF token.
  "GET /admin": "public",
  "GET /admin/login": "public",
  "POST /admin/login": "public",
  "POST /admin/logout": "admin",
  "GET /admin/console": "admin",
  "GET /admin/console/tenants/:id": "admin",
  "GET /admin/console/webhook-events": "admin",
  "GET /admin/console/dead-letters": "admin",
  "POST /admin/console/webhook-events/replay-dead": "admin",
  "POST /admin/console/webhook-events/:id/replay": "admin",
} as const satisfies RouteAccessTable;
