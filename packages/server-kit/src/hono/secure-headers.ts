/** @module The security headers an API needs, set from one precomputed list. */
import type { HeaderList } from "./headers.js";

// An API answers JSON: no framing, no sniffing, no referrer, HTTPS pinned, nothing to execute.
// Names in lowercase, as they go out on Node (see withResponseHeaders): none is folded per request.
const HEADERS: HeaderList = [
  ["strict-transport-security", "max-age=31536000; includeSubDomains"],
  ["x-content-type-options", "nosniff"],
  ["x-frame-options", "DENY"],
  ["referrer-policy", "no-referrer"],
  ["cross-origin-resource-policy", "same-origin"],
  ["content-security-policy", "default-src 'none'; frame-ancestors 'none'"],
];

/**
 * Security headers for a JSON API (HSTS, nosniff, no framing, no referrer, a deny-all CSP), as a list
 * for `observe({ headers })`, which sets them on every answer with the request id (a header the
 * route sets itself, such as a docs page's CSP, wins).
 *
 * @example
 * observe({ logger, metrics, headers: apiSecureHeaderList() });
 */
export function apiSecureHeaderList(options: { contentSecurityPolicy?: string } = {}): HeaderList {
  const csp = options.contentSecurityPolicy;
  return csp
    ? HEADERS.map(([name, value]) => [name, name === "content-security-policy" ? csp : value])
    : HEADERS;
}
