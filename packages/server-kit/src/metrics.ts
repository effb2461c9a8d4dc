/** @module Prometheus metrics: a registry per service and the HTTP request metrics. */
import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

export interface ServiceMetrics {
  registry: Registry;
  httpRequests: Counter<"method" | "route" | "status">;
  httpRequestDuration: Histogram<"method" | "route" | "status">;
}

/**
 * A registry with Node's default metrics and the HTTP metrics every service reports.
 * Packages add their own metrics to `registry`.
 *
 * @example
 * const metrics = createMetrics({ service: "api" });
 * new Counter({ name: "ratelimit_decisions_total", help: "...", registers: [metrics.registry] });
 */
export function createMetrics(options: { service: string; defaultMetrics?: boolean }): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service });
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const httpRequests = new Counter({
    name: "http_requests_total",
    help: "HTTP requests answered, by route template and status.",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const httpRequestDuration = new Histogram({
    name: "http_request_duration_seconds",
    help: "Time from receiving a request to its response, by route template.",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return { registry, httpRequests, httpRequestDuration };
}
