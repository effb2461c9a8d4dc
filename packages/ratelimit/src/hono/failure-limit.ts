/** @module failureLimit(): refuses a caller (e.g. an IP) that keeps failing (e.g. authentication). */
import { problemResponse } from "@org/problem";
import type { Context, Env, MiddlewareHandler } from "hono";
import { retryAfterSeconds } from "../headers.js";
import type { RateLimiter } from "../limiter.js";
import type { Policy } from "../policy.js";

/**
 * Options of {@link failureLimit}.
 *
 * @example
 * const options: FailureLimitOptions = { limiter, key: clientIp, policy: failedAuth };
 */
export interface FailureLimitOptions<E extends Env = Env> {
  limiter: RateLimiter;
  /** Whose failures are counted (e.g. a client IP key); `undefined` counts nothing. */
  key: (c: Context<E>) => string | undefined;
  /** How many failures are tolerated: the burst at once, then the rate. */
  policy: Policy;
  /** Answers that count as a failure. @default [401] */
  statuses?: readonly number[];
  /** Remembered refusals at most (the oldest is forgotten first). @default 10_000 */
  maxBlocked?: number;
  /** @default Date.now */
  now?: () => number;
}

/**
 * Charges the limiter one unit for every answer of a failing status (401 by default) and, once a
 * key is over its policy, answers its requests 429 `rate_limited` with `Retry-After` before they
 * reach the routes (no credential is checked meanwhile). A request that succeeds costs nothing:
 * the limiter is asked only after a failure, and a refusal is remembered on this node until its
 * retry time, so neither side of the hot path waits for Redis.
 *
 * @example
 * app.use("/v1/*", failureLimit({
 *   limiter,
 *   key: clientIpKey({ remoteAddress }),
 *   policy: createPolicy({ name: "auth_failures", rate: 10, periodMs: 60_000, burst: 20 }),
 * }));
 * app.use("/v1/*", tenant({ db, cache, apiKeys }));
 */
export const failureLimit = <E extends Env = Env>(options: FailureLimitOptions<E>): MiddlewareHandler<E> => {
  const { limiter, key, policy, statuses = [401], maxBlocked = 10_000, now = Date.now } = options;
  const failing = new Set(statuses);
  const policies = [policy];
  const blockedUntil = new Map<string, number>();

  const refuse = (c: Context<E>, retryAfterMs: number) => {
    const retryAfter = retryAfterSeconds({ retryAfterMs });
    const requestId = (c.get as (k: string) => unknown)("requestId");
    return problemResponse("rate_limited", {
      detail: `Too many failed requests from this client: retry in ${retryAfter} s.`,
      requestId: typeof requestId === "string" ? requestId : undefined,
      headers: { "Retry-After": String(retryAfter) },
      extensions: { policy: policy.name },
    });
  };

  return async function failureLimit(c, next) {
    const k = key(c);
    if (k === undefined) return next();
    const until = blockedUntil.get(k);
    if (until !== undefined) {
      if (until > now()) return refuse(c, until - now());
      blockedUntil.delete(k);
    }
    await next();
    if (!failing.has(c.res.status)) return;
    const decision = await limiter.limitWith(k, policies, 1);
    if (decision.allowed) return;
    if (blockedUntil.size >= maxBlocked) blockedUntil.delete(blockedUntil.keys().next().value!);
    blockedUntil.set(k, now() + decision.retryAfterMs);
    c.res = undefined;
    c.res = refuse(c, decision.retryAfterMs);
  };
};
