/** @module The tenant as every request sees it. */
import type { TenantStatus } from "@org/db";

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
