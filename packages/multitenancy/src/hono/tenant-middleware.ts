/** @module tenant(): resolves the tenant of a request from Host, API key, JWT or a fixed id. */
import type { Database } from "@org/db";
import { ProblemError } from "@org/problem/hono";
import { requestHeader } from "@org/server-kit/hono";
import type { Context, MiddlewareHandler, Next } from "hono";
import type { ApiKeyService } from "../api-keys.js";
import type { TenantCache } from "../cache/tenant-cache.js";
import type { JwtVerifier } from "../jwt.js";
import { hasScope } from "../scopes.js";
import { RESERVED_SLUGS } from "../slug.js";
import type { ResolvedTenant } from "../tenant.js";
import { type TenantScope, tenantScope } from "../tenant-scope.js";
import { assertServable } from "./servable.js";
import { type Credentials, createCredentialsReader, unauthorized } from "./tenant-credentials.js";
import type { TenantEnv } from "./variables.js";

/**
 * Options of {@link tenant}.
 *
 * @example
 * tenant({ db, cache, baseDomain: "example.com", apiKeys, jwt });
 */
export interface TenantResolutionOptions {
  db: Database;
  cache: TenantCache;
  /** Enables Host resolution: `{slug}.{baseDomain}` names a tenant; other hosts name none. */
  baseDomain?: string;
  /** Enables `Authorization: Bearer <api key>`. */
  apiKeys?: ApiKeyService;
  /** Enables `Authorization: Bearer <jwt>` (a token with two dots). */
  jwt?: JwtVerifier;
  /** Self-hosted: every request belongs to this tenant id; credentials must still agree with it. */
  fixedTenantId?: string;
  /**
   * Whether a request needs credentials. With `false` and a fixed tenant or a Host, an anonymous
   * request is served as that tenant with no scopes (for public pages). @default true
   */
  requireCredentials?: boolean;
}

const PORT = /^:\d+$/;
// `.{baseDomain}` lowercased, per base domain (a service has one): not rebuilt per request.
const suffixes = new Map<string, string>();
function suffixOf(baseDomain: string): string {
  const suffix = `.${baseDomain.toLowerCase()}`;
  if (suffixes.size < 100) suffixes.set(baseDomain, suffix);
  return suffix;
}

/**
 * The tenant a Host names: the single DNS label before `.{baseDomain}`, lowercased; undefined when
 * the Host is not under the base domain (localhost, an IP, the bare domain) or is one of our own
 * hosts ({@link RESERVED_SLUGS}: `api.`, `www.`, ...), which no tenant can register.
 *
 * @example
 * slugFromHost("Acme.example.com:443", "example.com"); // "acme"
 * slugFromHost("api.example.com", "example.com"); // undefined
 */
export function slugFromHost(host: string | undefined, baseDomain: string): string | undefined {
  if (!host) return undefined;
  let name = host.toLowerCase();
  const colon = name.lastIndexOf(":");
  if (colon >= 0 && PORT.test(name.slice(colon))) name = name.slice(0, colon);
  if (name.endsWith(".")) name = name.slice(0, -1);
  const suffix = suffixes.get(baseDomain) ?? suffixOf(baseDomain);
  if (!name.endsWith(suffix)) return undefined;
  const slug = name.slice(0, -suffix.length);
  return RESERVED_SLUGS.has(slug) ? undefined : slug;
}

/** Sets the context variables of a resolved tenant and runs the rest of the chain. */
type Enter = (
  c: Context<TenantEnv>,
  next: Next,
  credentials: Credentials,
  resolved: ResolvedTenant,
) => Promise<void>;

/**
 * {@link Enter}, with one database scope per cached tenant object (the cache hands out the same
 * object until it changes).
 */
function createEnter(db: Database): Enter {
  const scopes = new WeakMap<ResolvedTenant, TenantScope>();
  const scopeOf = (resolved: ResolvedTenant) => {
    let scope = scopes.get(resolved);
    if (!scope) {
      scope = tenantScope(db, resolved.id);
      scopes.set(resolved, scope);
    }
    return scope;
  };
  return (c, next, credentials, resolved) => {
    c.set("tenant", resolved);
    c.set("auth", credentials?.auth ?? { kind: "fixed", scopes: [] });
    c.set("tenantDb", scopeOf(resolved));
    return next();
  };
}

/**
 * From the credentials to the tenant: the one the Host (or the fixed id) names, which the
 * credentials must agree with, else the credentials' own. Answers from the tenant cache and returns a
 * promise only on a miss.
 */
function createTenantLookup(
  options: TenantResolutionOptions & { requireCredentials: boolean },
  enter: Enter,
): (c: Context<TenantEnv>, next: Next, credentials: Credentials) => Promise<void> {
  const { cache, baseDomain, fixedTenantId, requireCredentials } = options;

  /** With the tenant the Host names (if any): checks agreement, then resolves the tenant by id. */
  const withHostTenant = (
    c: Context<TenantEnv>,
    next: Next,
    credentials: Credentials,
    byHost: ResolvedTenant | undefined,
  ) => {
    const namedId = byHost?.id ?? fixedTenantId;
    if (credentials && namedId && credentials.tenantId !== namedId) {
      throw new ProblemError("tenant_mismatch", { detail: "The credentials belong to another tenant." });
    }
    // The Host's tenant was just read from the same cache (by slug, cached under both keys).
    if (byHost) return enter(c, next, credentials, byHost);
    const tenantId = credentials?.tenantId ?? namedId;
    if (!tenantId) throw unauthorized("Credentials required.");
    const known = cache.cachedById(tenantId);
    return known === undefined
      ? cache.byId(tenantId).then((t) => enter(c, next, credentials, assertServable(t)))
      : enter(c, next, credentials, assertServable(known ?? undefined));
  };

  return (c, next, credentials) => {
    if (!credentials && requireCredentials) throw unauthorized("Credentials required.");
    if (baseDomain && !fixedTenantId) {
      const slug = slugFromHost(requestHeader(c, "host") ?? new URL(c.req.url).host, baseDomain);
      if (slug !== undefined) {
        // A dotted name is no tenant's (slugs are one DNS label): not found, like an unknown slug.
        const known = slug.includes(".") ? null : cache.cachedBySlug(slug);
        return known === undefined
          ? cache.bySlug(slug).then((t) => withHostTenant(c, next, credentials, assertServable(t)))
          : withHostTenant(c, next, credentials, assertServable(known ?? undefined));
      }
    }
    return withHostTenant(c, next, credentials, undefined);
  };
}

/**
 * Resolves the tenant of every request and refuses what must not be served: bad credentials (401),
 * credentials and Host (or fixed tenant) naming different tenants (403 `tenant_mismatch`), a
 * suspended tenant (403 `tenant_suspended`), an unknown, pending or deleted one (404
 * `tenant_not_found`). Sets `tenant`, `auth` and `tenantDb` ({@link TenantVariables}).
 * Status is read from the tenant cache on every request, so a suspension takes effect as soon as
 * the invalidation reaches this node.
 *
 * @throws {Error} at creation, when no source of tenants is configured
 * @example
 * app.use("/v1/*", tenant({ db, cache, baseDomain: "example.com", apiKeys, jwt }));
 */
export const tenant = (options: TenantResolutionOptions): MiddlewareHandler<TenantEnv> => {
  const { db, baseDomain, apiKeys, jwt, fixedTenantId, requireCredentials = true } = options;
  if (!apiKeys && !jwt && !fixedTenantId && !baseDomain) {
    throw new Error("tenant(): configure at least one of apiKeys, jwt, fixedTenantId, baseDomain");
  }
  if (requireCredentials && !apiKeys && !jwt) {
    throw new Error("tenant(): requireCredentials needs apiKeys or jwt");
  }
  const fromCredentials = createCredentialsReader(apiKeys, jwt);
  const withCredentials = createTenantLookup({ ...options, requireCredentials }, createEnter(db));

  return function tenant(c, next) {
    const credentials = fromCredentials(requestHeader(c, "authorization"));
    return credentials instanceof Promise
      ? credentials.then((found) => withCredentials(c, next, found))
      : withCredentials(c, next, credentials);
  };
};

/**
 * Refuses (403 `insufficient_scope`) a caller whose key or token lacks `scope` (or `*`): for a route
 * outside the app's route access table (see {@link routeScopes}).
 *
 * @example
 * app.post("/v1/reports", requireScope("usage:read"), handler);
 */
export const requireScope = (scope: string): MiddlewareHandler<TenantEnv> =>
  async function requireScope(c, next) {
    if (!hasScope(c.get("auth")?.scopes ?? [], scope)) {
      throw new ProblemError("insufficient_scope", { detail: `This credential lacks the scope "${scope}".` });
    }
    await next();
  };
