import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../logger.js";
import { createMetrics } from "../metrics.js";
import { createServiceApp } from "./service-app.js";

const METRICS_TOKEN = "metrics-token-0123456789abcdefghijkl";
const metricsAuth = { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } };

function setup(
  checks: Record<string, () => Promise<{ ok: boolean; error?: string }>> = {},
  optional: string[] = [],
) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      cb();
    },
  });
  const logger = createLogger({ service: "test", level: "info", destination });
  const metrics = createMetrics({ service: "test", defaultMetrics: false });
  const app = createServiceApp({
    logger,
    metrics,
    health: { checks, optional, timeoutMs: 200 },
    maxBodyBytes: 64,
    metricsToken: METRICS_TOKEN,
  });
  app.get("/v1/things/:id", (c) => {
    c.var.log.info({ authorization: "Bearer sk_live_secret", thing: c.req.param("id") }, "thing.read");
    return c.json({ id: c.req.param("id") });
  });
  app.post("/v1/things", async (c) => c.json(await c.req.json(), 201));
  app.get("/boom", () => {
    throw new Error("db password is hunter2");
  });
  return { app, lines };
}

describe("createServiceApp", () => {
  it("gives every response a request id, keeping a plain one the client sent", async () => {
    const { app } = setup();
    const generated = await app.request("/v1/things/1");
    expect(generated.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]{16}[0-9a-z]+$/);
    const ids = new Set<string | null>();
    for (let i = 0; i < 50; i++) ids.add((await app.request("/v1/things/1")).headers.get("x-request-id"));
    expect(ids.size).toBe(50);
    expect(ids.has(generated.headers.get("x-request-id"))).toBe(false);
    const kept = await app.request("/v1/things/1", { headers: { "X-Request-Id": "trace-123" } });
    expect(kept.headers.get("x-request-id")).toBe("trace-123");
    const refused = await app.request("/v1/things/1", { headers: { "X-Request-Id": "bad id\twith tabs" } });
    expect(refused.headers.get("x-request-id")).toMatch(/^req_/);
  });

  it("logs each line with the request id and never a credential", async () => {
    const { app, lines } = setup();
    await app.request("/v1/things/7", { headers: { "X-Request-Id": "trace-7" } });
    const thing = lines.find((l) => l.msg === "thing.read");
    expect(thing).toMatchObject({
      requestId: "trace-7",
      thing: "7",
      authorization: "[redacted]",
      service: "test",
    });
    const access = lines.find((l) => l.msg === "http.request");
    expect(access).toMatchObject({ requestId: "trace-7", status: 200, route: "/v1/things/:id" });
    expect(JSON.stringify(lines)).not.toContain("sk_live_secret");
  });

  it("counts requests by route template in /metrics", async () => {
    const { app } = setup();
    await app.request("/v1/things/1");
    await app.request("/v1/things/2");
    const text = await (await app.request("/metrics", metricsAuth)).text();
    expect(text).toMatch(
      /http_requests_total\{method="GET",route="\/v1\/things\/:id",status="200",service="test"\} 2/,
    );
    expect(text).toContain("http_request_duration_seconds_bucket");
  });

  it("reports each dependency in /ready and answers 503 when a required one is down", async () => {
    const { app, lines } = setup(
      {
        database: async () => ({ ok: true }),
        redis: async () => {
          throw new Error("connect ECONNREFUSED 10.1.2.3:6379 user=admin");
        },
        stripe: () => new Promise(() => {}),
      },
      ["stripe"],
    );
    const res = await app.request("/ready");
    expect(res.status).toBe(503);
    const text = await res.text();
    const body = JSON.parse(text) as {
      checks: Record<string, { status: string; reason?: string; optional?: boolean }>;
    };
    expect(body.checks.database?.status).toBe("up");
    expect(body.checks.redis).toMatchObject({ status: "down", reason: "unreachable" });
    expect(body.checks.stripe).toMatchObject({ status: "down", optional: true, reason: "timeout" });
    // The driver's message names a host and a user: logged, never answered.
    expect(text).not.toMatch(/ECONNREFUSED|10\.1\.2\.3|admin|no answer/);
    expect(lines.find((l) => l.msg === "readiness.down" && l.dependency === "redis")).toMatchObject({
      reason: "unreachable",
    });
  });

  it("serves /metrics only with the metrics token, and to no one without one", async () => {
    const { app } = setup();
    expect((await app.request("/metrics")).status).toBe(401);
    const wrong = await app.request("/metrics", { headers: { Authorization: `Bearer ${METRICS_TOKEN}x` } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ code: "unauthorized" });
    expect((await app.request("/metrics", metricsAuth)).status).toBe(200);
    const off = createServiceApp({
      logger: createLogger({ service: "off", level: "silent" }),
      metrics: createMetrics({ service: "off", defaultMetrics: false }),
      health: { checks: {} },
    });
    const refused = await off.request("/metrics");
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: "forbidden" });
  });

  it("stays ready when only an optional dependency is down", async () => {
    const { app } = setup({ database: async () => ({ ok: true }), stripe: async () => ({ ok: false }) }, [
      "stripe",
    ]);
    expect((await app.request("/ready")).status).toBe(200);
  });

  it("refuses an oversized body with a problem 413", async () => {
    const { app } = setup();
    const res = await app.request("/v1/things", {
      method: "POST",
      body: JSON.stringify({ pad: "x".repeat(200) }),
      headers: { "Content-Type": "application/json" },
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: "payload_too_large" });
  });

  it("answers an unexpected error with a bare 500 and logs it with the request id", async () => {
    const { app, lines } = setup();
    const res = await app.request("/boom", { headers: { "X-Request-Id": "trace-boom" } });
    expect(res.status).toBe(500);
    const body = await res.text();
    expect(body).not.toContain("hunter2");
    expect(JSON.parse(body)).toMatchObject({ code: "internal_error", requestId: "trace-boom" });
    expect(res.headers.get("x-request-id")).toBe("trace-boom");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(lines.find((l) => l.msg === "http.unhandled")).toMatchObject({ requestId: "trace-boom" });
  });

  it("answers unknown routes with a problem 404 carrying the request id", async () => {
    const { app } = setup();
    const res = await app.request("/nope", { headers: { "X-Request-Id": "trace-404" } });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: "not_found", requestId: "trace-404" });
    expect(res.headers.get("x-request-id")).toBe("trace-404");
  });
});

describe("body limit", () => {
  it("refuses a declared Content-Length over the limit before reading, and lets GET through untouched", async () => {
    const { app } = setup();
    const declared = await app.request("/v1/things", {
      method: "POST",
      body: "{}",
      headers: { "Content-Type": "application/json", "Content-Length": "100000" },
    });
    expect(declared.status).toBe(413);
    expect((await app.request("/v1/things/1")).status).toBe(200);
    const small = await app.request("/v1/things", {
      method: "POST",
      body: '{"a":1}',
      headers: { "Content-Type": "application/json" },
    });
    expect(small.status).toBe(201);
  });
});
