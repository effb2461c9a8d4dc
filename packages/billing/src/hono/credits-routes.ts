/** @module Credits over HTTP: `GET /v1/credits` for tenants, `POST /admin/tenants/:id/credits` for operators. */
import { z } from "@hono/zod-openapi";
import { type Database, tenants } from "@org/db";
import { ProblemError } from "@org/problem/hono";
import {
  ADMIN_SECURITY,
  apiRoute,
  apiRouter,
  bearer,
  jsonRequest,
  jsonResponse,
  OPTIONAL_IDEMPOTENCY_KEY,
  problemResponses,
  requestHeader,
} from "@org/server-kit/hono";
import { eq } from "drizzle-orm";
import type { Context, MiddlewareHandler } from "hono";
import { creditBalance, listCreditLedger } from "../credits/balance.js";
import { grantCredits } from "../credits/grant.js";
import { asBillingProblem } from "./billing-problem.js";
import { pageQuery } from "./billing-schemas.js";
import { creditGrantBody, creditGrantSchema, creditsResponseSchema } from "./credits-schemas.js";

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

/** `GET /v1/credits`. */
export const creditsRoute = apiRoute({
  method: "get",
  path: "/v1/credits",
  summary: "Credits balance and ledger, newest first",
  tags: ["credits"],
  security: bearer("billing:read"),
  request: { query: pageQuery },
  responses: { 200: jsonResponse(creditsResponseSchema), ...problemResponses(400) },
});

/** `POST /admin/tenants/{id}/credits`. */
export const grantCreditsRoute = apiRoute({
  method: "post",
  path: "/admin/tenants/{id}/credits",
  summary: "Grant credits to a tenant (admin token; Idempotency-Key makes a top-up happen once)",
  tags: ["admin"],
  security: ADMIN_SECURITY,
  request: {
    headers: OPTIONAL_IDEMPOTENCY_KEY,
    params: z.object({ id: z.string().min(1).max(100) }),
    body: jsonRequest(creditGrantBody),
  },
  responses: { 201: jsonResponse(creditGrantSchema, "Granted"), ...problemResponses(400, 404) },
});

/**
 * `GET /v1/credits?cursor=&limit=`: `{balance: {amount, currency}, data, nextCursor}`; expirations
 * due are appended to the ledger first, so the rows explain the balance.
 *
 * @example
 * app.route("/", creditsRoutes({ db, tenantOf: (c) => ({ id: c.get("tenant").id, currency: "usd" }) }));
 */
export function creditsRoutes(options: CreditsRoutesOptions) {
  const { db, clock = Date.now } = options;
  const router = apiRouter();
  router.openapi(creditsRoute, async (c) => {
    const tenant = options.tenantOf(c);
    const page = await listCreditLedger(db, tenant.id, c.req.valid("query")).catch(asBillingProblem);
    const amount = await creditBalance(db, tenant.id, tenant.currency, clock());
    return c.json({ balance: { amount, currency: tenant.currency }, ...page }, 200);
  });
  return router;
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
  const router = apiRouter();
  router.use("/admin/tenants/:id/credits", options.guard);
  router.openapi(grantCreditsRoute, async (c) => {
    const { id } = c.req.valid("param");
    const [tenant] = await db.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, id));
    if (!tenant) throw new ProblemError("tenant_not_found", { detail: `no tenant ${id}` });
    const key = requestHeader(c, "idempotency-key") ?? `grant:${crypto.randomUUID()}`;
    const { grant } = await grantCredits(db, { ...c.req.valid("json"), tenantId: id, key, atMs: clock() });
    return c.json(grant, 201);
  });
  return router;
}
