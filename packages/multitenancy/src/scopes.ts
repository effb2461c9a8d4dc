/** @module API scopes: the vocabulary a key or token may hold, and what a creator may grant. */

/**
 * Every scope a credential can hold. `*` (all scopes) is not in the list: only a credential that
 * holds `*` itself may grant it.
 *
 * @example
 * SCOPES.includes("usage:write"); // true
 */
export const SCOPES = [
  "tenant:read",
  "api_keys:read",
  "api_keys:write",
  "usage:read",
  "usage:write",
  "billing:read",
  "billing:write",
] as const;

/**
 * One scope of {@link SCOPES}.
 *
 * @example
 * const needed: Scope = "billing:write";
 */
export type Scope = (typeof SCOPES)[number];

/** Holding this grants every scope, including ones added later. */
export const ALL_SCOPES = "*";

/**
 * Whether `held` (a credential's scopes) includes `scope`.
 *
 * @example
 * hasScope(["usage:read"], "usage:write"); // false
 * hasScope(["*"], "usage:write"); // true
 */
export const hasScope = (held: readonly string[], scope: string): boolean =>
  held.includes(ALL_SCOPES) || held.includes(scope);

/**
 * The requested scopes a creator holding `held` may not grant (empty: all may be granted). A key
 * never gets more than its creator holds, so a leaked narrow key cannot mint a wider one.
 *
 * @example
 * ungrantableScopes(["usage:read", "api_keys:write"], ["usage:read", "billing:write"]); // ["billing:write"]
 * ungrantableScopes(["api_keys:write"], ["*"]); // ["*"]
 */
export const ungrantableScopes = (held: readonly string[], requested: readonly string[]): string[] =>
  held.includes(ALL_SCOPES) ? [] : requested.filter((scope) => scope === ALL_SCOPES || !held.includes(scope));
