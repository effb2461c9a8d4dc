/** @module metricsAuth(): /metrics only for the holder of the metrics token. */
import { createHash, timingSafeEqual } from "node:crypto";
import { ProblemError } from "@org/problem/hono";
import type { MiddlewareHandler } from "hono";
import { requestHeader } from "./headers.js";

const digest = (value: string) => createHash("sha256").update(value).digest();

/**
 * Lets a request through only with `Authorization: Bearer <token>` (401 `unauthorized` otherwise,
 * compared in constant time); without a token configured every request is refused (403 `forbidden`).
 *
 * @param token - the metrics token, or undefined to refuse everyone
 * @example
 * app.get("/metrics", metricsAuth(env.METRICS_TOKEN), handler);
 */
export const metricsAuth = (token: string | undefined): MiddlewareHandler => {
  const expected = token === undefined ? undefined : digest(`Bearer ${token}`);
  return async function metricsAuth(c, next) {
    if (!expected) {
      throw new ProblemError("forbidden", { detail: "Metrics are off: set METRICS_TOKEN to serve them." });
    }
    // Digests of equal length: the comparison takes the same time whatever was sent.
    if (!timingSafeEqual(digest(requestHeader(c, "authorization") ?? ""), expected)) {
      throw new ProblemError("unauthorized", {
        detail: "Metrics need 'Authorization: Bearer <METRICS_TOKEN>'.",
        headers: { "WWW-Authenticate": 'Bearer realm="metrics"' },
      });
    }
    await next();
  };
};
