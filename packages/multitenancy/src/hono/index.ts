/** @module @org/multitenancy/hono: tenant resolution middleware, the tenant, API-key and admin routes. */
export {
  type AdminRoutesOptions,
  type AdminTenantList,
  adminAuth,
  adminRoutes,
  adminTenantListSchema,
  adminTenantPatchBody,
  adminTenantsQuery,
  listTenantsRoute,
  patchTenantRoute,
} from "./admin-routes.js";
export {
  assertRoutesDeclared,
  type RouteAccess,
  type RouteAccessTable,
  routeKey,
  routeScopes,
  undeclaredRoutes,
} from "./route-scopes.js";
export { assertServable } from "./servable.js";
export { requireScope, slugFromHost, type TenantResolutionOptions, tenant } from "./tenant-middleware.js";
export {
  type ApiKeyList,
  apiKeyListSchema,
  createApiKeyRoute,
  createdApiKeySchema,
  createKeyBody,
  getTenantRoute,
  listApiKeysRoute,
  revokeApiKeyRoute,
  TENANT_ROUTE_SCOPES,
  type TenantRoutesOptions,
  tenantRoutes,
} from "./tenant-routes.js";
export type { AuthPrincipal, TenantEnv, TenantVariables } from "./variables.js";
export { apiKeyViewSchema, tenantViewSchema } from "./views.js";
