/** @module createApp: the multi-tenant cloud-api, composed from the packages; runtime-agnostic. */
import { assertRoutesDeclared } from "@org/multitenancy/hono";
import type { PlatformDeps } from "@org/platform";
import { mountOpenApi, mountV1, type PlatformEnv } from "@org/platform/hono";
import { clientIpKey } from "@org/ratelimit/hono";
import type { Logger, ReadinessCheck, ServiceMetrics } from "@org/server-kit";
import { createServiceApp, nodePeerAddress } from "@org/server-kit/hono";
import type { Signup } from "@org/signup";

export type AppEnv = PlatformEnv;

export interface AppDeps extends PlatformDeps {
  logger: Logger;
  metrics: ServiceMetrics;
  readiness: Record<string, ReadinessCheck>;
  signup: Signup;
  baseDomain: string;
  corsOrigins?: string[];
  maxBodyBytes?: number;
  /** Bearer token of /metrics; without one /metrics is refused. */
  metricsToken?: string;
  /** Proxies whose X-Forwarded-For names the client (per-client signup and failed-auth limits). */
  trustedProxies?: string[];
}

/**
 * cloud-api: tenants named by `{slug}.{BASE_DOMAIN}` (credentials must agree; other hosts let the
 * credentials decide), signup on any host that names no tenant, per-plan rate limits and quotas,
 * API-call metering, billing, admin routes behind ADMIN_TOKEN, health, metrics, OpenAPI and docs.
 *
 * @example
 * const deps = await buildDeps(parseEnv());
 * const app = createApp({ ...deps, baseDomain: deps.env.BASE_DOMAIN });
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
  const clientIp = clientIpKey<AppEnv>({
    remoteAddress: nodePeerAddress,
    trustedProxies: deps.trustedProxies,
  });
  const v1 = mountV1(app, deps, { tenants: { baseDomain: deps.baseDomain }, signup: deps.signup, clientIp });
  mountOpenApi(app, v1.routers, { title: "Metered platform cloud-api" });
  assertRoutesDeclared(app, v1.access);
  return app;
}

export type App = ReturnType<typeof createApp>;
