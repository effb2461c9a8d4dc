/** @module Credits over HTTP: `GET /v1/credits` for tenants, `POST /admin/tenants/:id/credits` for operators. */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { type Database, tenants } from "@org/db";
import { ProblemError } from "@org/problem";
import { requestHeader, validationProblem } from "@org/server-kit";
import { eq } from "drizzle-orm";
import type { Context, MiddlewareHandler } from "hono";
import { z } from "zod";
import { creditBalance, listCreditLedger } from "../credits/balance.js";
import { grantCredits, grantInputSchema } from "../credits/grant.js";
import { BillingError } from "../errors.js";
import { pageQuery } from "./routes.js";

export interface CreditsRoutesOptions {
  db: Database;
  /** The resolved tenant of the request and its plan's currency. */
  tenantOf: (c: Context) => { id: string; currency: string };
  clock?: () => number;
}

export interface AdminCreditsRoutesOptions {
  db: Database;
  /** The admin bearer check (`adminAuth` of @org/multitenancy/hono), run before the route. */
  guard: MiddlewareHandler;
  clock?: () => number;
}

/** The body of `POST /admin/tenants/:id/credits` (exported for OpenAPI documents). */
export const creditGrantBody = grantInputSchema;

const problem = {
  description: "RFC 9457 problem with a stable `code`",
  content: { "application/problem+json": { schema: z.object({ code: z.string() }) } },
};
const entry = z.object({
  id: z.string(),
  kind: z.enum(["grant", "consumption", "expiration"]),
  grantId: z.string(),
  amount: z.number().int(),
  currency: z.string(),
  source: z.string(),
  priority: z.number().int().nullable(),
  expiresAt: z.string().nullable(),
  reason: z.string().nullable(),
  at: z.string(),
});
const creditsResponse = z.object({
  balance: z.object({ amount: z.number().int(), currency: z.string() }),
  data: z.array(entry),
  nextCursor: z.string().nullable(),
});
const grantResponse = z.object({
  id: z.string(),
  amount: z.number().int(),
  currency: z.string(),
  priority: z.number().int(),
  expiresAt: z.string().nullable(),
  reason: z.string(),
  grantedAt: z.string(),
});

/** `GET /v1/credits` as an OpenAPI route. */
export const creditsRoute = createRoute({
  method: "get",
  path: "/v1/credits",
  summary: "Credits balance and ledger, newest first",
  request: { query: pageQuery },
  responses: {
    200: { description: "OK", content: { "application/json": { schema: creditsResponse } } },
    400: problem,
  },
});

/** `POST /admin/tenants/{id}/credits` as an OpenAPI route. */
export const grantCreditsRoute = createRoute({
  method: "post",
  path: "/admin/tenants/{id}/credits",
  summary: "Grant credits to a tenant (admin token; Idempotency-Key makes a top-up happen once)",
  request: {
    params: z.object({ id: z.string().min(1).max(100) }),
    body: { required: true, content: { "application/json": { schema: creditGrantBody } } },
  },
  responses: {
    201: { description: "Granted", content: { "application/json": { schema: grantResponse } } },
    400: problem,
    404: problem,
  },
});

const defaultHook = (result: { success: boolean; error?: unknown }, c: Context) => {
  if (!result.success) return validationProblem(result.error as z.ZodError, c.get("requestId" as never));
};

/**
 * `GET /v1/credits?cursor=&limit=`: `{balance: {amount, currency}, data, nextCursor}`; expirations
 * due are appended to the ledger first, so the rows explain the balance.
 *
 * @example
 * app.route("/", creditsRoutes({ db, tenantOf: (c) => ({ id: c.get("tenant").id, currency: "usd" }) }));
 */
export function creditsRoutes(options: CreditsRoutesOptions) {
  const { db, clock = Date.now } = options;
  const app = new OpenAPIHono({ defaultHook });
  app.openapi(creditsRoute, async (c) => {
    const tenant = options.tenantOf(c);
    const page = await listCreditLedger(db, tenant.id, c.req.valid("query")).catch((error) => {
      if (error instanceof BillingError) throw new ProblemError(error.code, { detail: error.message });
      throw error;
    });
    const amount = await creditBalance(db, tenant.id, tenant.currency, clock());
    return c.json({ balance: { amount, currency: tenant.currency }, ...page }, 200);
  });
  return app;
}

/**
 * `POST /admin/tenants/:id/credits` `{amount, currency?, priority?, expiresAt?, reason}` -> 201 the
 * grant. The grant key is the request's Idempotency-Key (or a fresh one), so a retried top-up is
 * one grant even past the idempotency middleware's retention.
 *
 * @example
 * app.route("/", adminCreditsRoutes({ db, guard: adminAuth(env.ADMIN_TOKEN) }));
 */
export function adminCreditsRoutes(options: AdminCreditsRoutesOptions) {
  const { db, clock = Date.now } = options;
  const app = new OpenAPIHono({ defaultHook });
  app.use("/admin/tenants/:id/credits", options.guard);
  app.openapi(grantCreditsRoute, async (c) => {
    const { id } = c.req.valid("param");
    const [tenant] = await db.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, id));
    if (!tenant) throw new ProblemError("tenant_not_found", { detail: `no tenant ${id}` });
    const key = requestHeader(c, "idempotency-key") ?? `grant:${crypto.randomUUID()}`;
    const { grant } = await grantCredits(db, { ...c.req.valid("json"), tenantId: id, key, atMs: clock() });
    return c.json(grant, 201);
  });
  return app;
}
