/** @module @org/ratelimit/hono: the Hono middleware and key helpers. */
export { type ClientIpOptions, clientIpKey } from "./client-ip.js";
export { type FailureLimitOptions, failureLimit } from "./failure-limit.js";
export { type RateLimitOptions, type RateLimitVariables, ratelimit } from "./ratelimit.js";
