import { Counter, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createHttpMetrics, HTTP_DURATION_BUCKETS } from "./http-metrics.js";

// The same observations through prom-client's own Counter and Histogram, for comparison.
function promClientTwin(registry: Registry) {
  const labelNames = ["method", "route", "status"] as const;
  const count = new Counter({
    name: "http_requests_total",
    help: "HTTP requests answered, by route template and status.",
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "http_request_duration_seconds",
    help: "Time from receiving a request to its response, by route template.",
    labelNames,
    buckets: HTTP_DURATION_BUCKETS,
    registers: [registry],
  });
  return (method: string, route: string, status: number, seconds: number) => {
    count.labels(method, route, String(status)).inc();
    duration.labels(method, route, String(status)).observe(seconds);
  };
}

describe("createHttpMetrics", () => {
  it("renders the same exposition text as prom-client's counter and histogram for the same observations", async () => {
    const ours = new Registry();
    const theirs = new Registry();
    ours.setDefaultLabels({ service: "t" });
    theirs.setDefaultLabels({ service: "t" });
    const http = createHttpMetrics(ours);
    const twin = promClientTwin(theirs);
    const observations: [string, string, number, number][] = [
      ["GET", "/v1/tenant", 200, 0.0004],
      ["GET", "/v1/tenant", 200, 0.0005], // on a bound: counted in that bucket
      ["GET", "/v1/tenant", 200, 0.003],
      ["GET", "/v1/tenant", 429, 0.0001],
      ["POST", "/v1/usage/events", 202, 0.2],
      ["POST", "/v1/usage/events", 202, 7], // above every bound: +Inf only
      ["GET", "unmatched", 404, 0.00002],
    ];
    for (const o of observations) {
      http.record(...o);
      twin(...o);
    }
    const text = await ours.metrics();
    expect(text).toBe(await theirs.metrics());
    expect(text).toContain(
      'http_request_duration_seconds_bucket{le="0.0005",service="t",method="GET",route="/v1/tenant",status="200"} 2',
    );
    expect(text).toContain(
      'http_requests_total{method="POST",route="/v1/usage/events",status="202",service="t"} 2',
    );
  });

  it("stops adding series at its bound, whatever the routes and statuses", async () => {
    const registry = new Registry();
    const http = createHttpMetrics(registry);
    for (let i = 0; i < 6_000; i++) http.record("GET", `/r${i}`, 200, 0.001);
    const text = await registry.metrics();
    expect(text.match(/^http_requests_total\{/gm)?.length).toBe(5_000);
  });
});
