/** @module Operator routes: list tenants, change a tenant's status or plan. Bearer admin token. */
import { createHash, timingSafeEqual } from "node:crypto";
import { type Database, TENANT_STATUSES } from "@org/db";
import { ProblemError } from "@org/problem";
import { jsonBody, queryOf, requestHeader } from "@org/server-kit";
import { Hono, type MiddlewareHandler } from "hono";
import { z } from "zod";
import type { InvalidationBus } from "../cache/bus.js";
import { getTenant, listTenants, setTenantPlan, setTenantStatus, tenantView } from "../tenants.js";

/**
 * Options of {@link adminRoutes}.
 *
 * @example
 * adminRoutes({ db, bus, adminToken: env.ADMIN_TOKEN });
 */
export interface AdminRoutesOptions {
  db: Database;
  bus: InvalidationBus;
  /** At least 32 characters. */
  adminToken: string;
}

const MIN_ADMIN_TOKEN = 32;

/**
 * Bearer check against the admin token, in constant time.
 *
 * @throws {Error} at creation when the token is shorter than 32 characters
 * @example
 * app.use("/admin/*", adminAuth(env.ADMIN_TOKEN));
 */
export const adminAuth = (adminToken: string): MiddlewareHandler => {
  if (typeof adminToken !== "string" || adminToken.length < MIN_ADMIN_TOKEN) {
    throw new Error(`The admin token must be at least ${MIN_ADMIN_TOKEN} characters`);
  }
  // Digests of equal length are compared, so neither the token's content nor its length leaks.
  const digest = (value: string) => createHash("sha256").update(value).digest();
  const expected = digest(adminToken);
  return async function adminAuth(c, next) {
    const given = /^Bearer\s+(\S+)$/i.exec(requestHeader(c, "authorization") ?? "")?.[1];
    if (!given || !timingSafeEqual(digest(given), expected)) {
      throw new ProblemError("unauthorized", {
        detail: "Admin token required.",
        headers: { "WWW-Authenticate": 'Bearer realm="admin"' },
      });
    }
    await next();
  };
};

/** The query of `GET /admin/tenants` (exported for OpenAPI documents). */
export const adminTenantsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(100).optional(),
  status: z.enum(TENANT_STATUSES).optional(),
});

/** The body of `PATCH /admin/tenants/:id` (exported for OpenAPI documents). */
export const adminTenantPatchBody = z
  .object({ status: z.enum(TENANT_STATUSES).optional(), plan: z.string().min(1).max(64).optional() })
  .refine((b) => b.status !== undefined || b.plan !== undefined, { message: "status or plan is required" });

/**
 * `GET /admin/tenants` and `PATCH /admin/tenants/:id` `{status?, plan?}`, behind {@link adminAuth}.
 * A change is audited and invalidates every node's tenant cache.
 *
 * @example
 * app.route("/", adminRoutes({ db, bus, adminToken: env.ADMIN_TOKEN }));
 */
export function adminRoutes(options: AdminRoutesOptions): Hono {
  const { db, bus } = options;
  const app = new Hono();
  app.use("/admin/tenants", adminAuth(options.adminToken));
  app.use("/admin/tenants/*", adminAuth(options.adminToken));

  app.get("/admin/tenants", async (c) => {
    const q = queryOf(c, adminTenantsQuery);
    const page = await listTenants(db, q);
    return c.json({ data: page.data.map(tenantView), nextCursor: page.nextCursor });
  });

  app.patch("/admin/tenants/:id", async (c) => {
    const body = await jsonBody(c, adminTenantPatchBody);
    const id = c.req.param("id");
    if (body.status) {
      const result = await setTenantStatus({ db, bus }, id, body.status, "admin");
      if (!result.ok && result.reason === "not_found") throw new ProblemError("tenant_not_found");
      if (!result.ok) {
        throw new ProblemError("conflict", {
          detail: `Cannot change status from ${result.from} to ${body.status}.`,
        });
      }
    }
    if (body.plan) {
      const row = await setTenantPlan({ db, bus }, id, body.plan, "admin");
      if (!row) throw new ProblemError("tenant_not_found");
    }
    const row = await getTenant(db, id);
    if (!row) throw new ProblemError("tenant_not_found");
    return c.json(tenantView(row));
  });

  return app;
}
