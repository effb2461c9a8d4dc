/** @module createApp: the self-hosted api's Hono app, composed from the packages; runtime-agnostic. */
import { assertRoutesDeclared } from "@org/multitenancy/hono";
import type { PlatformDeps } from "@org/platform";
import { mountOpenApi, mountV1, type PlatformEnv } from "@org/platform/hono";
import type { Logger, ReadinessCheck, ServiceMetrics } from "@org/server-kit";
import { createServiceApp } from "@org/server-kit/hono";

export type AppEnv = PlatformEnv;

export interface AppDeps extends PlatformDeps {
  logger: Logger;
  metrics: ServiceMetrics;
  readiness: Record<string, ReadinessCheck>;
  organisation: { id: string };
  corsOrigins?: string[];
  maxBodyBytes?: number;
  /** Bearer token of /metrics; without one /metrics is refused. */
  metricsToken?: string;
}

/**
 * The self-hosted api: one organisation (the fixed tenant; API key or JWT must belong to it), the
 * platform's v1 pipeline and routes, billing when Stripe is configured (501 otherwise), admin routes
 * when an admin token is set, health, readiness, metrics, OpenAPI and docs.
 *
 * @example
 * const app = createApp(await buildDeps(parseEnv()));
 * serve({ fetch: app.fetch, port: 3000 });
 */
export function createApp(deps: AppDeps) {
  const app = createServiceApp<AppEnv>({
    logger: deps.logger,
    metrics: deps.metrics,
    health: { checks: deps.readiness, optional: ["stripe"] },
    corsOrigins: deps.corsOrigins,
    maxBodyBytes: deps.maxBodyBytes,
    metricsToken: deps.metricsToken,
  });
  const v1 = mountV1(app, deps, { tenants: { fixedTenantId: deps.organisation.id } });
  mountOpenApi(app, v1.routers, { title: "Metered platform api (self-hosted)" });
  assertRoutesDeclared(app, v1.access);
  return app;
}

export type App = ReturnType<typeof createApp>;
