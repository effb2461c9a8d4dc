/** @module Slug rules: a tenant's slug is its subdomain, so it must be a DNS label we are willing to hand out. */

/**
 * Names that would shadow our own hosts or confuse users; never given to a tenant.
 *
 * @example
 * RESERVED_SLUGS.has("www"); // true
 */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set([
  "admin",
  "api",
  "app",
  "assets",
  "auth",
  "billing",
  "blog",
  "cdn",
  "dashboard",
  "docs",
  "help",
  "internal",
  "localhost",
  "login",
  "mail",
  "metrics",
  "root",
  "signup",
  "smtp",
  "static",
  "status",
  "support",
  "system",
  "test",
  "webhooks",
  "www",
]);

// A DNS label (RFC 1123), lowercase only: letters, digits and inner hyphens; 3..63 characters.
const LABEL = /^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$/;

/**
 * The verdict of {@link checkSlug}.
 *
 * @example
 * const check: SlugCheck = checkSlug("acme");
 */
export type SlugCheck = { ok: true } | { ok: false; reason: string };

/**
 * Checks a slug against the rules: lowercase, 3 to 63 characters, a DNS label (no leading or trailing
 * hyphen, no `--` in positions 3-4, which IDNA reserves for `xn--`), and not reserved.
 *
 * @example
 * checkSlug("acme"); // { ok: true }
 * checkSlug("www"); // { ok: false, reason: "\"www\" is reserved" }
 */
export function checkSlug(slug: string): SlugCheck {
  if (slug.length < 3 || slug.length > 63) return { ok: false, reason: "must be 3 to 63 characters" };
  if (!LABEL.test(slug)) {
    return {
      ok: false,
      reason: "must be lowercase letters, digits and hyphens, starting and ending with a letter or digit",
    };
  }
  if (slug.slice(2, 4) === "--") return { ok: false, reason: "must not have '--' at positions 3-4" };
  if (RESERVED_SLUGS.has(slug)) return { ok: false, reason: `"${slug}" is reserved` };
  return { ok: true };
}
