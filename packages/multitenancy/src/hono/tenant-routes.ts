/** @module Routes of the caller's own tenant: GET /v1/tenant and the /v1/api-keys collection. */
import type { Database } from "@org/db";
import { markSensitiveFields } from "@org/idempotency/hono";
import { ProblemError } from "@org/problem";
import { jsonBody } from "@org/server-kit";
import { type Context, Hono } from "hono";
import { z } from "zod";
import type { ApiKeyService, ApiKeyView, CreatedApiKey } from "../api-keys.js";
import { SCOPES, ungrantableScopes } from "../scopes.js";
import { getTenant, tenantView, tenantViewJson } from "../tenants.js";
import type { RouteAccessTable } from "./route-scopes.js";
import type { TenantEnv } from "./variables.js";

/**
 * Options of {@link tenantRoutes}.
 *
 * @example
 * tenantRoutes({ db, apiKeys });
 */
export interface TenantRoutesOptions {
  db: Database;
  apiKeys: ApiKeyService;
}

/**
 * The body of `POST /v1/api-keys` (exported for OpenAPI documents).
 *
 * @example
 * const body = createKeyBody.parse({ name: "ci", scopes: ["usage:write"] });
 */
export const createKeyBody = z.object({
  name: z.string().trim().min(1).max(100),
  scopes: z
    .array(z.enum(["*", ...SCOPES]))
    .max(20)
    .optional(),
});

/**
 * What each route of {@link tenantRoutes} needs (part of the app's route access table).
 *
 * @example
 * app.use("/v1/*", routeScopes({ ...TENANT_ROUTE_SCOPES }));
 */
export const TENANT_ROUTE_SCOPES = {
  "GET /v1/tenant": "tenant:read",
  "POST /v1/api-keys": "api_keys:write",
  "GET /v1/api-keys": "api_keys:read",
  "DELETE /v1/api-keys/:id": "api_keys:write",
} as const satisfies RouteAccessTable;

/** The body of `GET /v1/api-keys`: the tenant's keys, never their secrets. */
export interface ApiKeyList {
  data: ApiKeyView[];
}

const actorOf = (auth: TenantEnv["Variables"]["auth"]) => `${auth.kind}:${auth.id ?? "anonymous"}`;

type CachedTenant = TenantEnv["Variables"]["tenant"];

const hasView = (
  t: CachedTenant,
): t is CachedTenant & { name: string; email: string; createdAt: Date; updatedAt: Date } =>
  t.name !== undefined && t.email !== undefined && t.createdAt !== undefined && t.updatedAt !== undefined;

/**
 * The tenant's own routes. Mount behind {@link tenant} and {@link routeScopes} with
 * {@link TENANT_ROUTE_SCOPES}: every handler reads the tenant from the
 * context, never from the request, so an id in the path can only ever name the caller's own rows.
 *
 * @example
 * app.use("/v1/*", tenant({ db, cache, apiKeys }));
 * app.use("/v1/*", routeScopes(TENANT_ROUTE_SCOPES));
 * app.route("/", tenantRoutes({ db, apiKeys }));
 */
export function tenantRoutes(options: TenantRoutesOptions): Hono<TenantEnv> {
  const { db, apiKeys } = options;
  const app = new Hono<TenantEnv>();

  const tenantFromDatabase = async (c: Context<TenantEnv>) => {
    const row = await getTenant(db, c.get("tenant").id);
    if (!row) throw new ProblemError("tenant_not_found");
    return c.json(tenantView(row));
  };
  app.get("/v1/tenant", (c) => {
    // The cached tenant carries the whole view (every change invalidates it): no query per request,
    // and no promise either. Passed as is, not copied: the view, and its JSON text (the bytes
    // c.json would write), are then reused for as long as the cache keeps the tenant.
    const cached = c.get("tenant");
    return hasView(cached)
      ? c.body(tenantViewJson(cached), undefined, { "Content-Type": "application/json" })
      : tenantFromDatabase(c);
  });

  app.post("/v1/api-keys", async (c) => {
    const body = await jsonBody(c, createKeyBody);
    const held = c.var.auth.scopes;
    const refused = ungrantableScopes(held, body.scopes ?? []);
    if (refused.length > 0) {
      throw new ProblemError("insufficient_scope", {
        detail: `A key cannot be given scopes its creator lacks: ${refused.join(", ")}.`,
        extensions: { scopes: refused },
      });
    }
    // Without a list the new key gets exactly its creator's scopes, never more.
    const created = await apiKeys.create(
      c.var.tenant.id,
      { name: body.name, scopes: body.scopes ?? [...held] },
      actorOf(c.var.auth),
    );
    // The secret is shown once: an Idempotency-Key replay answers it as null.
    markSensitiveFields(c, ["/secret"]);
    return c.json(
      {
        id: created.id,
        name: created.name,
        secret: created.secret,
        prefix: created.prefix,
        scopes: created.scopes,
        createdAt: created.createdAt,
      } satisfies CreatedApiKey,
      201,
    );
  });

  app.get("/v1/api-keys", async (c) => {
    return c.json({ data: await apiKeys.list(c.var.tenant.id) } satisfies ApiKeyList);
  });

  app.delete("/v1/api-keys/:id", async (c) => {
    const revoked = await apiKeys.revoke(c.var.tenant.id, c.req.param("id"), actorOf(c.var.auth));
    // Another tenant's key and a missing key look the same: existence is not disclosed.
    if (!revoked) throw new ProblemError("api_key_not_found", { detail: "No such live API key." });
    return c.body(null, 204);
  });

  return app;
}
