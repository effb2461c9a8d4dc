/** A fully wired app over a test database, as cloud-api would mount the package. */
import { type Database, newId, tenants } from "@org/db";
import { problemErrorHandler, problemNotFound } from "@org/problem/hono";
import { apiDocument, type OpenApiDocument } from "@org/server-kit/hono";
import { checkAnswers } from "@org/testing";
import { Hono } from "hono";
import {
  adminRoutes,
  routeScopes,
  TENANT_ROUTE_SCOPES,
  type TenantEnv,
  tenant,
  tenantRoutes,
} from "../src/hono/index.js";
import {
  createApiKeyService,
  createJwtVerifier,
  createLocalBus,
  createTenantCache,
  createTenantLoader,
  type InvalidationBus,
} from "../src/index.js";

export const BASE_DOMAIN = "example.test";
export const ADMIN_TOKEN = "admin-token-0123456789abcdefghijklmnop";
export const JWT_SECRET = "jwt-secret-0123456789abcdefghijklmnopq";

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
});

/**
 * The routers' document with what the middleware in front of the tenant routes answers (tenant
 * resolution: 401, 403, 404; the scope check: 403), as an app serving them would publish it.
 */
export function fixtureDocument(routers: Parameters<typeof apiDocument>[0]): OpenApiDocument {
  const doc = apiDocument(routers, { title: "multitenancy-test" });
  for (const item of Object.values(doc.paths ?? {})) {
    for (const op of Object.values(item) as { security?: object[]; responses?: object }[]) {
      if (op.security?.some((requirement) => "bearerAuth" in requirement)) {
        op.responses = {
          401: problem("Missing or invalid credentials"),
          403: problem("Suspended tenant, another tenant's credentials or a missing scope"),
          404: problem("No tenant at this address"),
          ...op.responses,
        };
      }
    }
  }
  return doc;
}

export function createFixture(db: Database, options: { bus?: InvalidationBus } = {}) {
  const bus = options.bus ?? createLocalBus();
  const cache = createTenantCache({ loader: createTenantLoader(db), bus });
  const apiKeys = createApiKeyService({ db, bus });
  const jwt = createJwtVerifier({ secret: JWT_SECRET });
  const app = new Hono<TenantEnv>();
  app.onError(problemErrorHandler());
  app.notFound(problemNotFound);
  app.use("/v1/*", tenant({ db, cache, baseDomain: BASE_DOMAIN, apiKeys, jwt }));
  app.use("/v1/*", routeScopes(TENANT_ROUTE_SCOPES));
  const tenantRouter = tenantRoutes({ db, apiKeys });
  const adminRouter = adminRoutes({ db, bus, adminToken: ADMIN_TOKEN });
  app.route("/", tenantRouter);
  app.route("/", adminRouter);
  const document = fixtureDocument([tenantRouter, adminRouter]);
  // The answer check reads the document as `/openapi.json`; served as a route it would join the
  // route table the cross-tenant probe walks.
  const request = app.request.bind(app);
  app.request = ((input, ...rest) =>
    input === "/openapi.json" ? Response.json(document) : request(input, ...rest)) as typeof app.request;
  /** Every answer a test gets through `app.request` is checked against the routers' document. */
  const answers = checkAnswers(app);

  /** An active tenant with one API key, created directly (not through signup). */
  const seedTenant = async (
    slug: string,
    status: "active" | "suspended" | "pending" | "deleted" = "active",
  ) => {
    const id = newId("tenant");
    await db.insert(tenants).values({ id, slug, name: slug, email: `${slug}@x.test`, plan: "free", status });
    const key = await apiKeys.create(id, { name: "seed" }, "test");
    return { id, slug, secret: key.secret, keyId: key.id };
  };

  return { app, bus, cache, apiKeys, seedTenant, answers };
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
