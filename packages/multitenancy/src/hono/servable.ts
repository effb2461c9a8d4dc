/** @module assertServable(): the status rule applied to each request's tenant. */
import { ProblemError } from "@org/problem/hono";
import type { ResolvedTenant } from "../tenant.js";

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
