/** A fully wired app over a test database, as cloud-api would mount the package. */
import { type Database, newId, tenants } from "@org/db";
import { problemErrorHandler, problemNotFound } from "@org/problem";
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
  app.route("/", tenantRoutes({ db, apiKeys }));
  app.route("/", adminRoutes({ db, bus, adminToken: ADMIN_TOKEN }));

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

  return { app, bus, cache, apiKeys, seedTenant };
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
