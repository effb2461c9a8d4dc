/** @module Operator routes: list tenants, change a tenant's status or plan. Bearer admin token. */
import { createHash, timingSafeEqual } from "node:crypto";
import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { type Database, TENANT_STATUSES } from "@org/db";
import { ProblemError } from "@org/problem/hono";
import {
  ADMIN_SECURITY,
  apiRoute,
  apiRouter,
  jsonRequest,
  jsonResponse,
  problemResponses,
  requestHeader,
} from "@org/server-kit/hono";
import type { MiddlewareHandler } from "hono";
import type { InvalidationBus } from "../cache/bus.js";
import { getTenant, listTenants, setTenantPlan, setTenantStatus, tenantView } from "../tenants.js";
import { tenantViewSchema } from "./views.js";

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

/** The query of `GET /admin/tenants`. */
export const adminTenantsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(100).optional().openapi({ description: "`nextCursor` of the previous page" }),
  status: z.enum(TENANT_STATUSES).optional(),
});

/** The body of `PATCH /admin/tenants/{id}`. */
export const adminTenantPatchBody = z
  .object({ status: z.enum(TENANT_STATUSES).optional(), plan: z.string().min(1).max(64).optional() })
  .refine((b) => b.status !== undefined || b.plan !== undefined, { message: "status or plan is required" });

/**
 * The body of `GET /admin/tenants`: one page of tenants ordered by id.
 *
 * @example
 * const { data, nextCursor } = adminTenantListSchema.parse(await res.json());
 */
export const adminTenantListSchema = z
  .object({
    data: z.array(tenantViewSchema),
    nextCursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page" }),
  })
  .openapi("AdminTenantList");

/** The body of `GET /admin/tenants`. */
export type AdminTenantList = z.infer<typeof adminTenantListSchema>;

const tenantIdParams = z.object({ id: z.string().openapi({ example: "ten_3ZpX8kQ2mN4bV7cW1yT6" }) });

/** `GET /admin/tenants`. */
export const listTenantsRoute = apiRoute({
  method: "get",
  path: "/admin/tenants",
  tags: ["admin"],
  summary: "List tenants (admin token)",
  security: ADMIN_SECURITY,
  request: { query: adminTenantsQuery },
  responses: { 200: jsonResponse(adminTenantListSchema), ...problemResponses(400, 401) },
});

/** `PATCH /admin/tenants/{id}`. */
export const patchTenantRoute = apiRoute({
  method: "patch",
  path: "/admin/tenants/{id}",
  tags: ["admin"],
  summary: "Change a tenant's status or plan (admin token)",
  security: ADMIN_SECURITY,
  request: { params: tenantIdParams, body: jsonRequest(adminTenantPatchBody) },
  responses: {
    200: jsonResponse(tenantViewSchema),
    // 409: a status change the tenant's lifecycle does not allow (e.g. from `deleted`).
    ...problemResponses(400, 401, 404, 409, 415),
  },
});

/**
 * `GET /admin/tenants` and `PATCH /admin/tenants/{id}` `{status?, plan?}`, behind {@link adminAuth}.
 * A change is audited and invalidates every node's tenant cache.
 *
 * @example
 * app.route("/", adminRoutes({ db, bus, adminToken: env.ADMIN_TOKEN }));
 */
export function adminRoutes(options: AdminRoutesOptions): OpenAPIHono {
  const { db, bus } = options;
  const router = apiRouter();
  // Before the routes' own validation: without the token nothing about the request is judged.
  router.use("/admin/tenants", adminAuth(options.adminToken));
  router.use("/admin/tenants/*", adminAuth(options.adminToken));

  router.openapi(listTenantsRoute, async (c) => {
    const page = await listTenants(db, c.req.valid("query"));
    return c.json({ data: page.data.map(tenantView), nextCursor: page.nextCursor }, 200);
  });

  router.openapi(patchTenantRoute, async (c) => {
    const body = c.req.valid("json");
    const { id } = c.req.valid("param");
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
    return c.json(tenantView(row), 200);
  });

  return router;
}
