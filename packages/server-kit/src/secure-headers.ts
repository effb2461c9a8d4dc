/** @module The security headers an API needs, set from one precomputed list. */
import { withResponseHeaders } from "@org/problem";
import type { MiddlewareHandler } from "hono";

// An API answers JSON: no framing, no sniffing, no referrer, HTTPS pinned, nothing to execute.
const HEADERS: ReadonlyArray<readonly [string, string]> = [
  ["Strict-Transport-Security", "max-age=31536000; includeSubDomains"],
  ["X-Content-Type-Options", "nosniff"],
  ["X-Frame-Options", "DENY"],
  ["Referrer-Policy", "no-referrer"],
  ["Cross-Origin-Resource-Policy", "same-origin"],
  ["Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"],
];

/**
 * Security headers for a JSON API (HSTS, nosniff, no framing, no referrer, a deny-all CSP), without
 * the per-request work of a general-purpose page middleware.
 */
export function apiSecureHeaders(options: { contentSecurityPolicy?: string } = {}): MiddlewareHandler {
  const headers = HEADERS.map(([name, value]) =>
    name === "Content-Security-Policy" && options.contentSecurityPolicy
      ? ([name, options.contentSecurityPolicy] as const)
      : ([name, value] as const),
  );
  // Every answer carries them; a header the route sets itself (a docs page's CSP) wins.
  return function apiSecureHeaders(c, next) {
    return withResponseHeaders(c, headers, next);
  };
}
