/**
 * The self-hosted composition (as apps/api builds it without REDIS_URL) served over real HTTP:
 * createPlatformDeps with no Redis -> createServiceApp -> mountV1 for one fixed organisation ->
 * serveNode on an ephemeral port, on a fresh Postgres database.
 */
import { loadPlanCatalog } from "@org/billing";
import { newId, tenants } from "@org/db";
import { assertRoutesDeclared } from "@org/multitenancy/hono";
import { createMetrics } from "@org/server-kit";
import { createServiceApp, type RunningServer, serveNode } from "@org/server-kit/hono";
import { checkAnswers, createTestDb, type TestDb } from "@org/testing";
import { mountOpenApi, mountV1, type PlatformEnv } from "../src/hono/index.js";
import {
  type BuiltPlatformDeps,
  createPlatformDeps,
  createPlatformPlans,
  readinessChecks,
  SELF_HOSTED_PLAN,
} from "../src/index.js";
import { ADMIN_TOKEN, silentLogger } from "./harness.js";

export interface SelfHostedHarnessOptions {
  /** The `self_hosted` plan's rate, as RATE_LIMIT_PER_SECOND sets it (burst = 2x). @default 1000 */
  ratePerSecond?: number;
}

export interface SelfHostedHarness {
  t: TestDb;
  deps: BuiltPlatformDeps;
  /** The one organisation, on the `self_hosted` plan, and its first key (every scope). */
  organisation: { id: string; slug: string; secret: string };
  /** `http://127.0.0.1:<port>` of the running server. */
  baseUrl: string;
  /** A real HTTP request to the server; every answer is checked against its /openapi.json. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** What the api does on SIGTERM: stop accepting, finish in-flight requests, then `deps.close()`. */
  shutdown(): Promise<void>;
  /** Shuts down (if not yet), drops the database and fails on any answer that broke the contract. */
  close(): Promise<void>;
}

/** Starts the self-hosted service on a fresh database. */
export async function createSelfHostedHarness(
  options: SelfHostedHarnessOptions = {},
): Promise<SelfHostedHarness> {
  const t = await createTestDb();
  const logger = silentLogger();
  const metrics = createMetrics({ service: "platform-self-hosted-test", defaultMetrics: false });
  const catalog = loadPlanCatalog();
  const deps = await createPlatformDeps({
    service: "api",
    db: t.db,
    logger,
    metrics,
    catalog,
    plans: createPlatformPlans(catalog, { selfHosted: { ratePerSecond: options.ratePerSecond ?? 1_000 } }),
    fallbackPlan: SELF_HOSTED_PLAN,
    adminToken: ADMIN_TOKEN,
  });
  const organisation = await seedOrganisation(t, deps);

  const app = createServiceApp<PlatformEnv>({
    logger,
    metrics,
    health: { checks: readinessChecks({ db: t.db }), optional: ["stripe"] },
  });
  const v1 = mountV1(app, deps, { tenants: { fixedTenantId: organisation.id } });
  mountOpenApi(app, v1.routers, { title: "platform self-hosted test" });
  assertRoutesDeclared(app, v1.access);

  const server: RunningServer = await serveNode({
    fetch: app.fetch,
    port: 0,
    hostname: "127.0.0.1",
    logger,
    exit: false,
    onShutdown: () => deps.close(),
  });
  const baseUrl = `http://127.0.0.1:${server.port}`;
  const client = {
    request: (input: string | URL | Request, init?: RequestInit) =>
      fetch(input instanceof Request ? input : new URL(String(input), baseUrl), init),
  };
  const answers = checkAnswers(client);

  return {
    t,
    deps,
    organisation,
    baseUrl,
    request: (path, init) => Promise.resolve(client.request(path, init)),
    shutdown: () => server.shutdown("test"),
    async close() {
      await server.shutdown("test");
      await t.cleanup();
      answers.assertNone();
    },
  };
}

/** The organisation as the api's first start creates it: active, on `self_hosted`, a key with every scope. */
async function seedOrganisation(t: TestDb, deps: BuiltPlatformDeps) {
  const id = newId("tenant");
  const slug = `org-${id.slice(4, 14).toLowerCase()}`;
  await t.db
    .insert(tenants)
    .values({ id, slug, name: slug, email: `${slug}@x.test`, plan: SELF_HOSTED_PLAN, status: "active" });
  const key = await deps.apiKeys.create(id, { name: "initial", scopes: ["*"] }, "system");
  return { id, slug, secret: key.secret };
}
