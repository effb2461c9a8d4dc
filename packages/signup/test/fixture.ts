/** The signup route over a test database, mounted as cloud-api mounts it, with the tenant routes behind it. */
import { type Database, newId, tenants } from "@org/db";
import { createPostgresStore } from "@org/idempotency";
import {
  createApiKeyService,
  createLocalBus,
  createTenantCache,
  createTenantLoader,
  type InvalidationBus,
} from "@org/multitenancy";
import { type TenantEnv, tenant, tenantRoutes } from "@org/multitenancy/hono";
import { problemErrorHandler, problemNotFound } from "@org/problem";
import { Hono } from "hono";
import { signupRoutes } from "../src/hono/index.js";
import { type BillingPort, createSignup } from "../src/index.js";
import { createFakeBilling } from "./fake-billing.js";

export const BASE_DOMAIN = "example.test";

export function createFixture(db: Database, options: { bus?: InvalidationBus; billing?: BillingPort } = {}) {
  const bus = options.bus ?? createLocalBus();
  const billing = options.billing ?? createFakeBilling();
  const cache = createTenantCache({ loader: createTenantLoader(db), bus });
  const apiKeys = createApiKeyService({ db, bus });
  const signup = createSignup({ db, bus, billing, apiKeys });
  const app = new Hono<TenantEnv>();
  app.onError(problemErrorHandler());
  app.notFound(problemNotFound);
  app.route(
    "/",
    signupRoutes({ signup, idempotencyStore: createPostgresStore({ db }), baseDomain: BASE_DOMAIN }),
  );
  app.use("/v1/*", tenant({ db, cache, baseDomain: BASE_DOMAIN, apiKeys }));
  app.route("/", tenantRoutes({ db, apiKeys }));

  /** An active tenant, created directly (not through signup). */
  const seedTenant = async (slug: string) => {
    const id = newId("tenant");
    await db
      .insert(tenants)
      .values({ id, slug, name: slug, email: `${slug}@x.test`, plan: "free", status: "active" });
    return { id, slug };
  };

  return { app, bus, billing, apiKeys, signup, seedTenant };
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
