/** @module The security headers an API needs, set from one precomputed list. */
import type { HeaderList } from "@org/problem";

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
 * Security headers for a JSON API (HSTS, nosniff, no framing, no referrer, a deny-all CSP), as a list
 * for `observe({ headers })`, which sets them on every answer with the request id (a header the
 * route sets itself, such as a docs page's CSP, wins).
 *
 * @example
 * observe({ logger, metrics, headers: apiSecureHeaderList() });
 */
export function apiSecureHeaderList(options: { contentSecurityPolicy?: string } = {}): HeaderList {
  // In lowercase, as they go out on Node (see withResponseHeaders): no name to fold per request.
  return HEADERS.map(([name, value]) =>
    name === "Content-Security-Policy" && options.contentSecurityPolicy
      ? ([name.toLowerCase() as Lowercase<string>, options.contentSecurityPolicy] as const)
      : ([name.toLowerCase() as Lowercase<string>, value] as const),
  );
}
