/** @module createServiceApp: a Hono app with every cross-cutting concern a service needs, mounted. */
import { problemErrorHandler, problemNotFound } from "@org/problem/hono";
import { type Env, Hono } from "hono";
import { cors } from "hono/cors";
import type { Logger } from "pino";
import type { ServiceMetrics } from "../metrics.js";
import { bodyLimit } from "./body-limit.js";
import { type HealthOptions, mountHealth } from "./health.js";
import { metricsAuth } from "./metrics-auth.js";
import { type ObserveVariables, observe } from "./observe.js";
import { apiSecureHeaderList } from "./secure-headers.js";

export interface ServiceAppOptions {
  logger: Logger;
  metrics: ServiceMetrics;
  health: HealthOptions;
  /** Largest request body accepted. @default 1 MiB */
  maxBodyBytes?: number;
  /** Allowed CORS origins; none -> no CORS headers. */
  corsOrigins?: string[];
  /** Secure headers (HSTS, nosniff, ...). @default true */
  secureHeaders?: boolean;
  /**
   * Bearer token `/metrics` asks for. Without one `/metrics` is refused (403): the numbers name
   * routes, tenants' traffic and dependencies, which are no one else's business.
   */
  metricsToken?: string;
}

const BODY_METHODS = ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/**
 * A Hono app with request ids, logs, metrics (`/metrics`, behind `metricsToken`), `/health`, `/ready`, a body limit,
 * optional CORS, secure headers, problem+json errors and 404s. The app mounts its routes on it.
 *
 * @example
 * const app = createServiceApp<AppEnv>({ logger, metrics, health: { checks: { database: () => ping(db) } } });
 * app.route("/v1", v1Routes);
 */
export function createServiceApp<E extends Env = { Variables: ObserveVariables }>(
  options: ServiceAppOptions,
) {
  const app = new Hono<E>();
  // The security headers go out with the request id: one middleware layer fewer on every request.
  const headers = options.secureHeaders !== false ? apiSecureHeaderList() : [];
  app.use(observe({ logger: options.logger, metrics: options.metrics, headers }));
  if (options.corsOrigins?.length) {
    app.use(
      cors({
        origin: options.corsOrigins,
        allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key", "X-Request-Id"],
        exposeHeaders: [
          "X-Request-Id",
          "RateLimit",
          "RateLimit-Policy",
          "Retry-After",
          "Idempotent-Replayed",
        ],
      }),
    );
  }
  // Mounted for the methods that carry a body only: a GET does not pay for a middleware layer. A
  // request of another method reaches no route here, and an unread body is discarded.
  app.on(BODY_METHODS, "*", bodyLimit(options.maxBodyBytes ?? 1024 * 1024));
  mountHealth(app as unknown as Hono, { logger: options.logger, ...options.health });
  app.get("/metrics", metricsAuth(options.metricsToken), async (c) =>
    c.body(await options.metrics.registry.metrics(), 200, {
      "Content-Type": options.metrics.registry.contentType,
    }),
  );
  app.onError(
    problemErrorHandler({
      onUnexpected: (error, c) =>
        ((c.get as (k: string) => Logger | undefined)("log") ?? options.logger).error(
          { err: error },
          "http.unhandled",
        ),
    }),
  );
  app.notFound(problemNotFound);
  return app;
}
