/** @module ratelimit(): the Hono middleware applying a limiter per request with the plan's policies. */
import { problemResponse } from "@org/problem";
import { withResponseHeaders } from "@org/server-kit/hono";
import type { Context, Env, MiddlewareHandler } from "hono";
import type { RateLimitDecision } from "../decision.js";
import { rateLimitHeader, rateLimitPolicyHeader, retryAfterSeconds } from "../headers.js";
import { RateLimitKeyError } from "../key.js";
import type { RateLimiter } from "../limiter.js";
import type { Policy } from "../policy.js";

/** Context variables set by {@link ratelimit}. */
export interface RateLimitVariables {
  ratelimit: RateLimitDecision;
}

type MaybePromise<T> = T | Promise<T>;

export interface RateLimitOptions<E extends Env = Env> {
  limiter: RateLimiter;
  /** Who is limited: a tenant id, API key id, user, or client IP. `undefined` skips limiting. */
  key: (c: Context<E>) => MaybePromise<string | undefined>;
  /**
   * Which policies apply (e.g. from the tenant's plan); all are checked, the strictest decides, all
   * are reported. Return the same array for the same plan. Defaults to the limiter's policies.
   */
  policies?: (c: Context<E>) => MaybePromise<readonly Policy[]>;
  /** Units this route costs (e.g. 10 for an expensive route). */
  cost?: number | ((c: Context<E>) => number);
}

const requestIdOf = (c: Context): string | undefined => {
  const id = (c.get as (k: string) => unknown)("requestId");
  return typeof id === "string" ? id : undefined;
};

// Lowercase, as withResponseHeaders() takes them (header names are case-insensitive).
const POLICY = "ratelimit-policy";
const STATE = "ratelimit";

/**
 * Rate limits requests. Every response passing through gets `RateLimit-Policy` and `RateLimit`
 * headers; a refused request is answered 429 problem+json `rate_limited` with `Retry-After`.
 * A route may mount it again with its own `cost` after an app-wide one: the request is then charged
 * both, and the headers show the state after the last charge.
 *
 * @param options.limiter - from `createRateLimiter`
 * @param options.key - the caller's key from the context
 * @param [options.policies] - the caller's policies from the context (default: the limiter's)
 * @param [options.cost=1]
 * @returns the middleware; a refused request is answered 429 `rate_limited` problem+json (not thrown),
 *   a request whose key is empty 400 `bad_request`
 * @example
 * const plans = { free: [createPolicy({ name: "free", rate: 10, periodMs: 1000, burst: 20 })] };
 * app.use("/v1/*", ratelimit({
 *   limiter,
 *   key: (c) => c.get("tenant").id,
 *   policies: (c) => plans[c.get("tenant").plan],
 * }));
 * app.post("/v1/reports", ratelimit({ limiter, key, policies, cost: 10 }), handler);
 */
export const ratelimit = <E extends Env = Env>(options: RateLimitOptions<E>): MiddlewareHandler<E> => {
  const { limiter, key, policies, cost = 1 } = options;
  if (!limiter) throw new Error("ratelimit: a limiter is required");
  if (typeof key !== "function") throw new Error("ratelimit: key must be a function of the context");
  return async function ratelimit(c, next) {
    // Awaiting only real promises: an await on a plain value still costs a microtask turn.
    const kv = key(c);
    const k = kv instanceof Promise ? await kv : kv;
    if (k === undefined) return next();
    const pv = policies ? policies(c) : limiter.policies;
    const ps = pv instanceof Promise ? await pv : pv;
    if (ps.length === 0) return next();
    const units = typeof cost === "number" ? cost : cost(c);
    let decision: RateLimitDecision;
    try {
      decision = await limiter.limitWith(k, ps, units);
    } catch (error) {
      // An empty key: the caller could not be told apart from others (e.g. no client address).
      // Refused, not let through unlimited and not pooled with every other such caller.
      if (!(error instanceof RateLimitKeyError)) throw error;
      return problemResponse("bad_request", {
        detail: "The caller could not be identified for rate limiting.",
        requestId: requestIdOf(c),
      });
    }
    const policyValue = rateLimitPolicyHeader(ps);
    const stateValue = rateLimitHeader(decision);
    const set = c.set as (k: string, v: unknown) => void;
    set("ratelimit", decision);
    if (!decision.allowed) {
      // Returned, not thrown: a flood of refusals is the hot path here, and an exception (a stack
      // captured, the error handler's detour) costs more than the decision. The body is the one
      // the app's problemErrorHandler would render for ProblemError("rate_limited"), request id included.
      const retryAfter = retryAfterSeconds(decision);
      return problemResponse("rate_limited", {
        detail: `Rate limit "${decision.policy}" exceeded: retry in ${retryAfter} s.`,
        requestId: requestIdOf(c),
        headers: { "Retry-After": String(retryAfter), [POLICY]: policyValue, [STATE]: stateValue },
        extensions: { policy: decision.policy, retryAfterMs: Math.ceil(decision.retryAfterMs) },
      });
    }
    // Every answer carries them, however it is built; a route-level ratelimit() after this one
    // reports the newer state over them. Awaited, not returned: an async function returning a
    // promise resolves its own with it, two microtask turns more than an await.
    await withResponseHeaders(
      c,
      [
        [POLICY, policyValue],
        [STATE, stateValue],
      ],
      next,
    );
  };
};
