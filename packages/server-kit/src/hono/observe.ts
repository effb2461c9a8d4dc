/** @module Per-request observability: request id, a logger bound to it, metrics, one access-log line. */

import { randomBytes } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { Logger } from "pino";
import { lazyLogger } from "../lazy-logger.js";
import type { ServiceMetrics } from "../metrics.js";
import { type HeaderList, requestHeader, withResponseHeaders } from "./headers.js";

export interface ObserveVariables {
  requestId: string;
  /** The request's logger: every line carries the request id (and the tenant, once resolved). */
  log: Logger;
}

// A client-supplied id is kept when it is short and plain, so ids can be followed across services.
const ACCEPTED_ID = /^[A-Za-z0-9._:-]{1,128}$/;
// 64 random bits per process, then a counter: unique across processes and restarts without drawing
// entropy (or formatting a UUID) per request. A request id names a request; it is not a secret.
const ID_PREFIX = `req_${randomBytes(8).toString("hex")}`;
let idCounter = 0;
const generateId = () => ID_PREFIX + (idCounter++).toString(36);

/** Keys under which later middleware put who is calling, to stamp them on the access log. */
const TENANT_VAR = "tenant";

export interface ObserveOptions {
  logger: Logger;
  metrics: ServiceMetrics;
  /** Paths that produce no access-log line (probes, scrapes). @default ["/health", "/ready", "/metrics"] */
  quietPaths?: string[];
  /**
   * Headers every answer carries besides `X-Request-Id` (the security headers, see
   * `apiSecureHeaderList()`): set here rather than by a middleware layer of their own. @default none
   */
  headers?: HeaderList;
}

/**
 * Request id (`X-Request-Id` in and out), a child logger bound to it, HTTP metrics by route template,
 * and one access-log line per request with status and duration. Written for the hot path: no
 * allocation for a disabled log level, metrics recorded in plain numbers.
 *
 * @example
 * app.use(observe({ logger, metrics }));
 */
export function observe(options: ObserveOptions): MiddlewareHandler {
  const quiet = new Set(options.quietPaths ?? ["/health", "/ready", "/metrics"]);
  const { http } = options.metrics;
  const fixedHeaders = options.headers ?? [];
  const { logger } = options;
  return async function observe(c, next) {
    const started = performance.now();
    const given = requestHeader(c, "x-request-id");
    const requestId = given && ACCEPTED_ID.test(given) ? given : generateId();
    c.set("requestId" as never, requestId as never);
    c.set("log" as never, lazyLogger(() => logger.child({ requestId })) as never);
    await withResponseHeaders(c, [["x-request-id", requestId], ...fixedHeaders], next);
    const seconds = (performance.now() - started) / 1000;
    // The route template (`/v1/api-keys/:id`), never the raw path: metric cardinality stays bounded.
    const route = c.req.routePath || "unmatched";
    const status = c.res.status;
    http.record(c.req.method, route, status, seconds);
    if (logger.isLevelEnabled("info") && !quiet.has(c.req.path)) {
      const tenant = (c.get as (k: string) => { id?: string } | undefined)(TENANT_VAR);
      // The base logger with the request id as a field: no child is built for this line.
      logger.info(
        {
          requestId,
          method: c.req.method,
          path: c.req.path,
          route,
          status,
          durationMs: Math.round(seconds * 100_000) / 100,
          ...(tenant?.id ? { tenantId: tenant.id } : {}),
        },
        "http.request",
      );
    }
  };
}
