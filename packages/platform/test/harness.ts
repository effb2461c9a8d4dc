/** A service app with the platform's v1 pipeline mounted, over a fresh database and the Stripe stand-in. */
import { Writable } from "node:stream";
import { loadPlanCatalog, type PlanCatalog } from "@org/billing";
import { newId, tenants } from "@org/db";
import { createLogger, createMetrics } from "@org/server-kit";
import { createServiceApp } from "@org/server-kit/hono";
import { createSignup, signupBillingPort } from "@org/signup";
import { createStripeFake, type StripeFake } from "@org/stripe-fake";
import { checkAnswers, createTestDb, createTestRedis, type TestDb, type TestRedis } from "@org/testing";
import { mountOpenApi, mountV1, type PlatformEnv } from "../src/hono/index.js";
import {
  type BuiltPlatformDeps,
  createPlatformDeps,
  createPlatformPlans,
  readinessChecks,
} from "../src/index.js";

export const BASE_DOMAIN = "example.test";
export const ADMIN_TOKEN = "admin-token-0123456789abcdefghijklmnop";
export const WEBHOOK_SECRET = "whsec_platform_test";

export const silentLogger = () =>
  createLogger({
    service: "platform-test",
    level: "silent",
    destination: new Writable({ write: (_c, _e, cb) => cb() }),
  });

export interface PlatformHarnessOptions {
  /** Rate limits, idempotency and invalidation on Redis (else memory and Postgres). @default false */
  redis?: boolean;
  /** Billing on the Stripe stand-in (else every billing route answers 501). @default true */
  billing?: boolean;
  /** Admin routes behind {@link ADMIN_TOKEN}. @default true */
  admin?: boolean;
  /** `POST /v1/tenants` through the signup saga (needs billing). @default billing */
  signup?: boolean;
}

export interface PlatformHarness {
  t: TestDb;
  fake?: StripeFake;
  redis?: TestRedis;
  catalog: PlanCatalog;
  deps: BuiltPlatformDeps;
  app: ReturnType<typeof createServiceApp<PlatformEnv>>;
  /** An active tenant with one API key, inserted directly (not through signup). */
  seedTenant(plan?: string): Promise<{ id: string; slug: string; secret: string }>;
  close(): Promise<void>;
}

/**
 * The multi-tenant composition (as cloud-api mounts it): createPlatformDeps -> createServiceApp ->
 * mountV1 -> mountOpenApi, on a fresh database.
 */
export async function createPlatformHarness(options: PlatformHarnessOptions = {}): Promise<PlatformHarness> {
  const { billing = true, admin = true } = options;
  const signup = options.signup ?? billing;
  const t = await createTestDb();
  const redis = options.redis ? createTestRedis() : undefined;
  const fake = billing ? createStripeFake({ webhookSecret: WEBHOOK_SECRET }) : undefined;
  if (fake) await fake.start(0);
  const logger = silentLogger();
  const metrics = createMetrics({ service: "platform-test", defaultMetrics: false });
  const catalog = loadPlanCatalog();
  const deps = await createPlatformDeps({
    service: redis ? `${redis.prefix}platform` : "platform-test",
    db: t.db,
    redis: redis?.connect({ enableAutoPipelining: true }),
    logger,
    metrics,
    catalog,
    plans: createPlatformPlans(catalog),
    fallbackPlan: catalog.defaultPlan.id,
    ...(fake
      ? { stripe: { secretKey: "sk_test_platform", apiBase: fake.url, publicUrl: "https://app.test" } }
      : {}),
    ...(admin ? { adminToken: ADMIN_TOKEN } : {}),
  });
  const app = createServiceApp<PlatformEnv>({
    logger,
    metrics,
    health: { checks: readinessChecks({ db: t.db, billing: deps.billing }), optional: ["stripe"] },
  });
  const v1 = mountV1(app, deps, {
    tenants: { baseDomain: BASE_DOMAIN },
    ...(signup && deps.billing
      ? {
          signup: createSignup({
            db: t.db,
            bus: deps.bus,
            apiKeys: deps.apiKeys,
            billing: signupBillingPort(deps.billing),
            plans: catalog.plans.map((p) => p.id),
            isPaid: (plan) => catalog.isPaid(plan),
            trialDays: (plan) => catalog.get(plan)?.trialDays,
          }),
        }
      : {}),
  });
  mountOpenApi(app, v1.routers, { title: "platform-test" });
  const answers = checkAnswers(app);

  return {
    t,
    fake,
    redis,
    catalog,
    deps,
    app,
    async seedTenant(plan = "free") {
      const id = newId("tenant");
      const slug = `t-${id.slice(4, 14).toLowerCase()}`;
      await t.db
        .insert(tenants)
        .values({ id, slug, name: slug, email: `${slug}@x.test`, plan, status: "active" });
      const key = await deps.apiKeys.create(id, { name: "seed" }, "test");
      return { id, slug, secret: key.secret };
    },
    async close() {
      await deps.close();
      await fake?.stop();
      await redis?.cleanup();
      await t.cleanup();
      answers.assertNone();
    },
  };
}

export const bearer = (secret: string) => ({ Authorization: `Bearer ${secret}` });
