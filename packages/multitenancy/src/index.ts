/** @module @org/multitenancy: tenants, resolution, the tenant cache, API keys, JWT and the signup saga. */
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
// The Hono part is served from `@org/multitenancy/hono`, like every package's; it is re-exported here only until
// this package's own tests and benchmarks import it from there.
export * from "./hono/index.js";
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
export {
  createOutboundOnce,
  type OutboundOnce,
  type OutboundRecord,
  readOutbound,
  retireOutbound,
} from "./saga/outbound-once.js";
export { type BillingPort, type IdentityPort, noopIdentity } from "./saga/ports.js";
export { runSaga, SagaError, type SagaHooks, type SagaStep } from "./saga/saga.js";
export {
  createSignup,
  type Signup,
  type SignupOptions,
  type SignupResult,
  type SignupRunOptions,
  signupTenantId,
} from "./saga/signup.js";
export {
  CHECKOUT_OPERATION,
  CUSTOMER_OPERATION,
  deleteTenantCustomer,
  SignupClaimedError,
  type SignupContext,
  type SignupDeps,
  type SignupInput,
  StepTimeoutError,
  signupSteps,
  TRIAL_OPERATION,
} from "./saga/signup-steps.js";
export { createSweeper, type Sweeper, type SweeperOptions, type SweepResult } from "./saga/sweeper.js";
export { claimTrial, normaliseEmail, releaseTrial } from "./saga/trial-claims.js";
export { ALL_SCOPES, hasScope, SCOPES, type Scope, ungrantableScopes } from "./scopes.js";
export { checkSlug, RESERVED_SLUGS, type SlugCheck } from "./slug.js";
export { assertServable, type ResolvedTenant } from "./tenant.js";
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
