/**
 * @module What every route of api and cloud-api needs: the v1 routes say it in their own
 * declarations (`security`), the service's other routes in {@link SERVICE_ROUTE_ACCESS}.
 */
import type { RouteAccess, RouteAccessTable } from "@org/multitenancy/hono";
import type { apiDocument } from "@org/server-kit/hono";

type Router = Parameters<typeof apiDocument>[0][number];
interface DeclaredRoute {
  method: string;
  path: string;
  security?: Record<string, string[]>[];
}

/**
 * The routes that carry no OpenAPI declaration, and what they need: `public` (no credentials) or
 * `admin` (the admin token, checked by the routes themselves).
 *
 * @example
 * SERVICE_ROUTE_ACCESS["GET /health"]; // "public"
 */
export const SERVICE_ROUTE_ACCESS = {
  "GET /health": "public",
  "GET /ready": "public",
  // Guarded by METRICS_TOKEN (or a separate port), not by a tenant's scopes.
  "GET /metrics": "public",
  "GET /openapi.json": "public",
  "GET /docs": "public",
  "GET /docs/assets/:file": "public",
  // Served instead of the billing routes when billing is off: answers 501 to any method.
  "ALL /v1/billing/*": "billing:read",
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

/** A declaration's access: the scope of its bearer requirement, the admin token, or none. */
function accessOf(security: DeclaredRoute["security"]): RouteAccess {
  const requirement = security?.[0];
  if (!requirement) return "public";
  if ("adminToken" in requirement) return "admin";
  const scope = requirement.bearerAuth?.[0];
  if (!scope) throw new Error("a bearer route must declare its scope: security: bearer(scope)");
  return scope as RouteAccess;
}

/**
 * Every route of a service and what it needs: {@link SERVICE_ROUTE_ACCESS} plus, for each route
 * the routers declare, the access its `security` names (`bearer(scope)`, `ADMIN_SECURITY`, none).
 *
 * @example
 * const { routers } = mountV1(app, deps, options);
 * routeAccess(routers)["POST /v1/usage/events"]; // "usage:write"
 */
export function routeAccess(routers: readonly Router[]): RouteAccessTable {
  const table: Record<string, RouteAccess> = { ...SERVICE_ROUTE_ACCESS };
  for (const router of routers) {
    for (const definition of router.openAPIRegistry.definitions) {
      if (definition.type !== "route") continue;
      const route = definition.route as DeclaredRoute;
      const path = route.path.replaceAll(/\{(\w+)\}/g, ":$1");
      table[`${route.method.toUpperCase()} ${path}`] = accessOf(route.security);
    }
  }
  return table;
}
