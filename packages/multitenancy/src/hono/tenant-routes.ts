/** @module Routes of the caller's own tenant: GET /v1/tenant and the /v1/api-keys collection. */
import { type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Database } from "@org/db";
import { markSensitiveFields } from "@org/idempotency/hono";
import { ProblemError } from "@org/problem/hono";
import {
  apiRoute,
  apiRouter,
  bearer,
  jsonRequest,
  jsonResponse,
  OPTIONAL_IDEMPOTENCY_KEY,
  problemResponses,
} from "@org/server-kit/hono";
import type { TypedResponse } from "hono";
import type { ApiKeyService } from "../api-keys.js";
import { SCOPES, ungrantableScopes } from "../scopes.js";
import { getTenant, type TenantView, tenantView, tenantViewJson } from "../tenants.js";
import type { RouteAccessTable } from "./route-scopes.js";
import type { TenantEnv } from "./variables.js";
import { apiKeyViewSchema, tenantViewSchema } from "./views.js";

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
 * The body of `POST /v1/api-keys`.
 *
 * @example
 * const body = createKeyBody.parse({ name: "ci", scopes: ["usage:write"] });
 */
export const createKeyBody = z.object({
  name: z.string().trim().min(1).max(100),
  scopes: z
    .array(z.enum(["*", ...SCOPES]))
    .max(20)
    .optional()
    .openapi({ description: "At most the creator's own scopes; without it, exactly the creator's" }),
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

/**
 * The body of `GET /v1/api-keys`: the tenant's keys, never their secrets.
 *
 * @example
 * const { data } = apiKeyListSchema.parse(await res.json());
 */
export const apiKeyListSchema = z.object({ data: z.array(apiKeyViewSchema) }).openapi("ApiKeyList");

/** The body of `GET /v1/api-keys`. */
export type ApiKeyList = z.infer<typeof apiKeyListSchema>;

/**
 * The 201 body of `POST /v1/api-keys`: the new key with its secret, shown this once.
 *
 * @example
 * const { id, secret } = createdApiKeySchema.parse(await res.json());
 */
export const createdApiKeySchema = z
  .object({
    id: z.string().openapi({ example: "key_5HqT2vLx9sRb0nWc4mZa" }),
    name: z.string(),
    secret: z.string().nullable().openapi({
      description:
        "The key itself, shown once: only its hash is stored. `null` when an Idempotency-Key replay answers.",
      example: "sk_4fJ9...",
    }),
    prefix: z.string(),
    scopes: z.array(z.string()),
    createdAt: z.string(),
  })
  .openapi("CreatedApiKey");

const keyIdParams = z.object({ id: z.string().openapi({ example: "key_5HqT2vLx9sRb0nWc4mZa" }) });

/** `GET /v1/tenant`. */
export const getTenantRoute = apiRoute({
  method: "get",
  path: "/v1/tenant",
  tags: ["tenant"],
  summary: "The caller's tenant with plan and status",
  security: bearer(TENANT_ROUTE_SCOPES["GET /v1/tenant"]),
  responses: { 200: jsonResponse(tenantViewSchema), ...problemResponses(404) },
});

/** `POST /v1/api-keys`. */
export const createApiKeyRoute = apiRoute({
  method: "post",
  path: "/v1/api-keys",
  tags: ["api-keys"],
  summary: "Create an API key (the secret is shown once)",
  security: bearer(TENANT_ROUTE_SCOPES["POST /v1/api-keys"]),
  request: { headers: OPTIONAL_IDEMPOTENCY_KEY, body: jsonRequest(createKeyBody) },
  responses: {
    201: jsonResponse(createdApiKeySchema, "Created"),
    // 403: scopes the creator does not hold itself (`insufficient_scope`).
    ...problemResponses(400, 403, 415),
  },
});

/** `GET /v1/api-keys`. */
export const listApiKeysRoute = apiRoute({
  method: "get",
  path: "/v1/api-keys",
  tags: ["api-keys"],
  summary: "List API keys",
  security: bearer(TENANT_ROUTE_SCOPES["GET /v1/api-keys"]),
  responses: { 200: jsonResponse(apiKeyListSchema) },
});

/** `DELETE /v1/api-keys/{id}`. */
export const revokeApiKeyRoute = apiRoute({
  method: "delete",
  path: "/v1/api-keys/{id}",
  tags: ["api-keys"],
  summary: "Revoke an API key",
  security: bearer(TENANT_ROUTE_SCOPES["DELETE /v1/api-keys/:id"]),
  request: { headers: OPTIONAL_IDEMPOTENCY_KEY, params: keyIdParams },
  responses: {
    204: { description: "Revoked" },
    // Another tenant's key and a missing key look the same: existence is not disclosed.
    ...problemResponses(404),
  },
});

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
export function tenantRoutes(options: TenantRoutesOptions): OpenAPIHono<TenantEnv> {
  const { db, apiKeys } = options;
  const router = apiRouter<TenantEnv>();

  const tenantFromDatabase = async (id: string) => {
    const row = await getTenant(db, id);
    if (!row) throw new ProblemError("tenant_not_found");
    return tenantView(row);
  };
  router.openapi(getTenantRoute, (c) => {
    // The cached tenant carries the whole view (every change invalidates it): no query per request,
    // and no promise either. Its JSON text (the bytes c.json would write) is serialised once and
    // reused for as long as the cache keeps the tenant.
    const cached = c.get("tenant");
    if (!hasView(cached)) return tenantFromDatabase(cached.id).then((view) => c.json(view, 200));
    return c.body(tenantViewJson(cached), 200, {
      "Content-Type": "application/json",
    }) as unknown as TypedResponse<TenantView, 200, "json">;
  });

  router.openapi(createApiKeyRoute, async (c) => {
    const body = c.req.valid("json");
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
      },
      201,
    );
  });

  router.openapi(listApiKeysRoute, async (c) => c.json({ data: await apiKeys.list(c.var.tenant.id) }, 200));

  router.openapi(revokeApiKeyRoute, async (c) => {
    const revoked = await apiKeys.revoke(c.var.tenant.id, c.req.valid("param").id, actorOf(c.var.auth));
    if (!revoked) throw new ProblemError("api_key_not_found", { detail: "No such live API key." });
    return c.body(null, 204);
  });

  return router;
}
