/** @module Prometheus metrics: a registry per service and the HTTP request metrics. */
import { collectDefaultMetrics, Registry } from "prom-client";
import { createHttpMetrics, type HttpMetrics } from "./http-metrics.js";

export interface ServiceMetrics {
  registry: Registry;
  /** `http_requests_total` and `http_request_duration_seconds`, recorded by `observe()`. */
  http: HttpMetrics;
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
  return { registry, http: createHttpMetrics(registry) };
}
