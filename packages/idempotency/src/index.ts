/** @module @org/idempotency: Idempotency-Key for Hono over memory, Postgres or Redis; idempotent Stripe calls. */
export { canonicalJson, requestFingerprint } from "./fingerprint.js";
export { MAX_KEY_LENGTH, type ParsedKey, parseIdempotencyKey } from "./key.js";
export { createMemoryStore } from "./memory-store.js";
export { createPostgresStore, type PostgresStoreOptions } from "./postgres-store.js";
export { REDACTED_HEADER } from "./redaction.js";
export { createRedisStore, type RedisStoreOptions } from "./redis-store.js";
export {
  type CachedCompletion,
  createReplayCache,
  type ReplayCache,
  type ReplayCacheOptions,
} from "./replay-cache.js";
export type {
  ClaimInput,
  ClaimResult,
  CompleteInput,
  IdempotencyStore,
  ReleaseInput,
  RenewInput,
  StoredResponse,
  SweepInput,
} from "./store.js";
export {
  createStripeOperations,
  type RunOnceOptions,
  STRIPE_KEY_TTL_MS,
  StaleStripeOperationError,
  type StripeCallResult,
  type StripeOperations,
  type StripeOperationsOptions,
} from "./stripe-operations.js";
export { createIdempotencySweeper, type IdempotencySweeper, type SweeperOptions } from "./sweeper.js";
