/** @module The context variables tenant resolution sets, for apps to merge into their AppEnv. */
import type { ResolvedTenant } from "../tenant.js";
import type { TenantScope } from "../tenant-scope.js";

/**
 * How the caller proved who it is.
 *
 * @example
 * if (c.var.auth.kind === "api_key") log.info({ keyId: c.var.auth.id });
 */
export interface AuthPrincipal {
  kind: "api_key" | "jwt" | "fixed";
  /** The API key id (`kind: "api_key"`) or the JWT `sub` (`kind: "jwt"`). */
  id?: string;
  scopes: string[];
}

/**
 * Variables set by the {@link tenant} middleware.
 *
 * @example
 * type AppEnv = { Variables: TenantVariables & RequestIdVariables };
 * app.get("/v1/x", (c) => c.json({ tenant: c.var.tenant.slug }));
 */
export type TenantVariables = {
  tenant: ResolvedTenant;
  auth: AuthPrincipal;
  /** The tenant-scoped data access layer bound to this request's tenant. */
  tenantDb: TenantScope;
};

/**
 * The Hono env of routes behind tenant resolution.
 *
 * @example
 * const app = new Hono<TenantEnv>();
 */
export type TenantEnv = { Variables: TenantVariables };
