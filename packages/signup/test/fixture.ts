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
import { problemErrorHandler, problemNotFound } from "@org/problem/hono";
import { apiDocument, type OpenApiDocument } from "@org/server-kit/hono";
import { checkAnswers } from "@org/testing";
import { Hono } from "hono";
import { signupRoutes } from "../src/hono/index.js";
import { type BillingPort, createSignup, type SignupOptions } from "../src/index.js";
import { createFakeBilling } from "./fake-billing.js";

export const BASE_DOMAIN = "example.test";

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
});

/**
 * The routers' document with what the middleware in front of them answers, as the platform
 * publishes it: the Idempotency-Key middleware (400, 409, 422, 503) and tenant resolution (401,
 * 403, 404).
 */
function fixtureDocument(routers: Parameters<typeof apiDocument>[0]): OpenApiDocument {
  const doc = apiDocument(routers, { title: "signup-test" });
  type Operation = { security?: object[]; parameters?: { name?: string }[]; responses?: object };
  for (const item of Object.values(doc.paths ?? {})) {
    for (const op of Object.values(item) as Operation[]) {
      const pipeline = {
        ...(op.security?.some((requirement) => "bearerAuth" in requirement)
          ? { 401: problem("Credentials"), 403: problem("Refused"), 404: problem("No tenant") }
          : {}),
        ...(op.parameters?.some((p) => p.name === "Idempotency-Key")
          ? {
              400: problem("Idempotency-Key"),
              409: problem("Key in use"),
              422: problem("Key reused"),
              503: problem("Store unavailable"),
            }
          : {}),
      };
      op.responses = { ...pipeline, ...op.responses };
    }
  }
  return doc;
}

export function createFixture(
  db: Database,
  options: {
    bus?: InvalidationBus;
    billing?: BillingPort;
    /** Further options of the signup (e.g. `onStepError`, `resumeAfterMs`). */
    signup?: Partial<SignupOptions>;
  } = {},
) {
  const bus = options.bus ?? createLocalBus();
  const billing = options.billing ?? createFakeBilling();
  const cache = createTenantCache({ loader: createTenantLoader(db), bus });
  const apiKeys = createApiKeyService({ db, bus });
  const signup = createSignup({ db, bus, billing, apiKeys, ...options.signup });
  const app = new Hono<TenantEnv>();
  app.onError(problemErrorHandler());
  app.notFound(problemNotFound);
  const signupRouter = signupRoutes({
    signup,
    idempotencyStore: createPostgresStore({ db }),
    baseDomain: BASE_DOMAIN,
  });
  const tenantRouter = tenantRoutes({ db, apiKeys });
  app.route("/", signupRouter);
  app.use("/v1/*", tenant({ db, cache, baseDomain: BASE_DOMAIN, apiKeys }));
  app.route("/", tenantRouter);
  const document = fixtureDocument([signupRouter, tenantRouter]);
  // The answer check reads the document as `/openapi.json`, served here rather than as a route.
  const request = app.request.bind(app);
  app.request = ((input, ...rest) =>
    input === "/openapi.json" ? Response.json(document) : request(input, ...rest)) as typeof app.request;
  /** Every answer a test gets through `app.request` is checked against the routers' document. */
  const answers = checkAnswers(app);

  /** An active tenant, created directly (not through signup). */
  const seedTenant = async (slug: string) => {
    const id = newId("tenant");
    await db
      .insert(tenants)
      .values({ id, slug, name: slug, email: `${slug}@x.test`, plan: "free", status: "active" });
    return { id, slug };
  };

  return { app, bus, billing, apiKeys, signup, seedTenant, answers };
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
