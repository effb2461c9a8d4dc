/** @module The security headers an API needs, set from one precomputed list. */
import { nodeResponse } from "@org/problem";
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
  return async function apiSecureHeaders(c, next) {
    // On Node, on the ServerResponse: every answer carries them (a header the route sets itself
    // wins), and no fetch Headers is built.
    const out = nodeResponse(c);
    if (out) {
      for (const [name, value] of headers) out.setHeader(name, value);
      return next();
    }
    // Elsewhere prepared before next() so that every response built by the route carries them;
    // responses that replaced the prepared headers (errors answered by onError) get them afterwards.
    for (const [name, value] of headers) c.header(name, value);
    await next();
    if (!c.res.headers.has("X-Content-Type-Options"))
      for (const [name, value] of headers) c.res.headers.set(name, value);
  };
}
