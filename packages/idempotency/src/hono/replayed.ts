/** @module Telling later middleware (metering, rate limits) that a response was a replay. */
import type { Context } from "hono";

/**
 * The response header a replay carries (IETF Idempotency-Key draft, as Stripe sends it).
 *
 * @example
 * if (res.headers.get(REPLAYED_HEADER) === "true") console.log("served from the store");
 */
export const REPLAYED_HEADER = "Idempotent-Replayed";

/**
 * Context variables set by {@link idempotency}. Combine them into the app's `AppEnv`.
 *
 * @example
 * type AppEnv = { Variables: IdempotencyVariables & RateLimitVariables & { tenantId: string } };
 */
export interface IdempotencyVariables {
  /** True when this response was replayed from the store and the handler did not run. */
  idempotencyReplayed: boolean;
  /** The parsed key when the request carried one. */
  idempotencyKey: string | undefined;
  /** JSON Pointers of response members stored as `null` (set through `markSensitiveFields`). */
  idempotencySensitiveFields?: readonly string[];
}

/**
 * Whether the request was answered with a stored response: the `idempotencyReplayed` variable, false
 * where `idempotency()` did not run (a method it does not act on, or a route it is not mounted on).
 * Metering that wraps the idempotency middleware calls it after `await next()` and counts nothing for
 * a replay. It never reads the response's headers, which on @hono/node-server would turn a
 * lightweight response into a fetch `Headers` on every request.
 *
 * @example
 * const metering = createMiddleware(async (c, next) => {
 *   await next();
 *   if (!isIdempotentReplay(c)) meter.add(tenantId, "api_calls", 1);
 * });
 */
export function isIdempotentReplay(c: Context): boolean {
  return (c.get as (key: string) => unknown)("idempotencyReplayed") === true;
}
