/** @module The tenant as every request sees it, and the status rule applied to each request. */
import type { TenantStatus } from "@org/db";
import { ProblemError } from "@org/problem";

/**
 * What resolution puts on the context: enough to authorise, rate limit and meter without a query.
 *
 * @example
 * const { id, slug, plan, status } = c.var.tenant;
 */
export interface ResolvedTenant {
  id: string;
  slug: string;
  plan: string;
  status: TenantStatus;
  /** Carried so that `GET /v1/tenant` is answered from the cache, without a query. */
  name?: string;
  email?: string;
  createdAt?: Date;
  updatedAt?: Date;
}

/**
 * Throws the problem a request for this tenant must get, or returns the tenant when it may be served.
 * `pending` tenants are mid-signup: nobody holds their credentials yet, so they are not found either.
 *
 * @throws {ProblemError} `tenant_suspended` (403) or `tenant_not_found` (404)
 * @example
 * const tenant = assertServable(await cache.byId(id));
 */
export function assertServable(tenant: ResolvedTenant | undefined): ResolvedTenant {
  if (!tenant || tenant.status === "deleted" || tenant.status === "pending") {
    throw new ProblemError("tenant_not_found", { detail: "No such tenant." });
  }
  if (tenant.status === "suspended") {
    throw new ProblemError("tenant_suspended", { detail: `Tenant ${tenant.slug} is suspended.` });
  }
  return tenant;
}
