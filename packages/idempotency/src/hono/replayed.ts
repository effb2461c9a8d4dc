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
}

/**
 * Whether the request was answered with a stored response. Metering that wraps the idempotency
 * middleware calls it after `await next()` and counts nothing for a replay. Falls back to the
 * response header, so it also works when the variable is not visible (another Hono instance).
 *
 * @example
 * const metering = createMiddleware(async (c, next) => {
 *   await next();
 *   if (!isIdempotentReplay(c)) meter.add(tenantId, "api_calls", 1);
 * });
 */
export function isIdempotentReplay(c: Context): boolean {
  const flag = (c.get as (key: string) => unknown)("idempotencyReplayed");
  if (typeof flag === "boolean") return flag;
  return c.finalized && c.res.headers.get(REPLAYED_HEADER) === "true";
}
