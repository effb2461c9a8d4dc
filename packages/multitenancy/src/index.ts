/** @module @org/multitenancy: tenants, resolution, the tenant cache, API keys, API keys and JWT. */
export {
  type ApiKeyPrincipal,
  type ApiKeyService,
  type ApiKeyServiceOptions,
  type ApiKeyView,
  type CreatedApiKey,
  createApiKeyService,
  type GeneratedKey,
  generateApiKey,
  hashSecret,
  sameHash,
} from "./api-keys.js";
export { type AuditEntry, writeAudit } from "./audit.js";
export {
  createLocalBus,
  createRedisBus,
  type Invalidation,
  type InvalidationBus,
  type RedisBusLogger,
  type RedisBusOptions,
  tenantInvalidationChannel,
} from "./cache/bus.js";
export { createLruCache, type LruCache } from "./cache/lru.js";
export {
  createTenantCache,
  type TenantCache,
  type TenantCacheEvent,
  type TenantCacheMetrics,
  type TenantCacheOptions,
  type TenantLoader,
} from "./cache/tenant-cache.js";
export {
  createJwtVerifier,
  type JwtClaims,
  type JwtFailure,
  type JwtOptions,
  type JwtResult,
  type JwtVerifier,
  MAX_CLOCK_SKEW_SECONDS,
  MIN_JWT_SECRET_LENGTH,
  signJwt,
} from "./jwt.js";
export { createLastUsedBatcher, type LastUsedBatcher, type LastUsedBatcherOptions } from "./last-used.js";
export { ALL_SCOPES, hasScope, SCOPES, type Scope, ungrantableScopes } from "./scopes.js";
export { checkSlug, RESERVED_SLUGS, type SlugCheck } from "./slug.js";
export type { ResolvedTenant } from "./tenant.js";
export {
  type ScopedInsert,
  type ScopedUpdate,
  type TenantOwnedTable,
  type TenantScope,
  tenantScope,
} from "./tenant-scope.js";
export {
  createTenantLoader,
  getTenant,
  listTenants,
  resolvedOf,
  type StatusChange,
  setTenantPlan,
  setTenantStatus,
  stalePendingTenants,
  type TenantRow,
  type TenantView,
  tenantView,
  tenantViewJson,
} from "./tenants.js";
