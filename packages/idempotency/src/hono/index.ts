/** @module @org/idempotency/hono: the Idempotency-Key middleware and how a handler tells a replay. */
export { DEFAULT_REPLAYED_HEADERS, type IdempotencyOptions, idempotency } from "./idempotency.js";
export { type IdempotencyVariables, isIdempotentReplay, REPLAYED_HEADER } from "./replayed.js";
export { markSensitiveFields } from "./sensitive-fields.js";
