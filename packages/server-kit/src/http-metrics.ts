/** @module The HTTP request metrics: counted on the hot path in plain numbers, rendered by prom-client. */
import type { Metric, Registry } from "prom-client";

/** Upper bounds of the request-duration histogram, in seconds. */
export const HTTP_DURATION_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];

/**
 * Requests answered and their durations, by method, route template and status:
 * `http_requests_total` (counter) and `http_request_duration_seconds` (histogram).
 *
 * @example
 * metrics.http.record("GET", "/v1/tenant", 200, 0.0012);
 */
export interface HttpMetrics {
  record(method: string, route: string, status: number, seconds: number): void;
}

interface Series {
  labels: { method: string; route: string; status: string };
  count: number;
  sum: number;
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  buckets: Float64Array;
}

// Route templates and statuses are bounded; so is this, whatever clients send.
const MAX_SERIES = 5_000;

/**
 * Registers the two HTTP metrics on `registry`. prom-client's own histogram hashes its label object
 * and converts the bucket bound to a string key on every observation (about a microsecond per
 * request); here a request costs three map reads and a few additions, and the text exposition is
 * still prom-client's, from the same registry (default labels included).
 */
export function createHttpMetrics(registry: Registry): HttpMetrics {
  const byMethod = new Map<string, Map<string, Map<number, Series>>>();
  const all: Series[] = [];
  const bounds = HTTP_DURATION_BUCKETS;

  const seriesFor = (method: string, route: string, status: number): Series | undefined => {
    let byRoute = byMethod.get(method);
    if (!byRoute) {
      byRoute = new Map();
      byMethod.set(method, byRoute);
    }
    let byStatus = byRoute.get(route);
    if (!byStatus) {
      byStatus = new Map();
      byRoute.set(route, byStatus);
    }
    let series = byStatus.get(status);
    if (!series) {
      if (all.length >= MAX_SERIES) return undefined;
      series = {
        labels: { method, route, status: String(status) },
        count: 0,
        sum: 0,
        buckets: new Float64Array(bounds.length + 1),
      };
      byStatus.set(status, series);
      all.push(series);
    }
    return series;
  };

  // A metric in the shape prom-client's registry reads (its `get()`), rendered from `all` on scrape.
  const register = (name: string, help: string, type: "counter" | "histogram", values: () => object[]) => {
    const metric = { name, help, type, aggregator: "sum", reset: () => undefined };
    const get = async () => ({ ...metric, values: values() });
    registry.registerMetric({ ...metric, get } as unknown as Metric);
  };
  register("http_requests_total", "HTTP requests answered, by route template and status.", "counter", () =>
    all.map((s) => ({ labels: s.labels, value: s.count })),
  );
  const duration = "http_request_duration_seconds";
  register(duration, "Time from receiving a request to its response, by route template.", "histogram", () =>
    all.flatMap((s) => {
      // The series labels go as prom-client's histogram passes them (shared), so the text is the same.
      const values: object[] = [];
      let cumulative = 0;
      for (let i = 0; i <= bounds.length; i++) {
        cumulative += s.buckets[i]!;
        values.push({
          metricName: `${duration}_bucket`,
          labels: { le: i < bounds.length ? bounds[i]! : "+Inf" },
          sharedLabels: s.labels,
          value: cumulative,
        });
      }
      values.push({ metricName: `${duration}_sum`, labels: {}, sharedLabels: s.labels, value: s.sum });
      values.push({ metricName: `${duration}_count`, labels: {}, sharedLabels: s.labels, value: s.count });
      return values;
    }),
  );

  return {
    record(method, route, status, seconds) {
      const series = seriesFor(method, route, status);
      if (!series) return;
      series.count++;
      series.sum += seconds;
      let i = 0;
      while (i < bounds.length && seconds > bounds[i]!) i++;
      series.buckets[i] = series.buckets[i]! + 1;
    },
  };
}
