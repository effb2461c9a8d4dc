import { problemErrorHandler } from "@org/problem/hono";
import { apiDocument } from "@org/server-kit/hono";
import { type AnswerCheck, checkAnswers, createTestDb, type TestDb } from "@org/testing";
import { Hono } from "hono";
import { requestId } from "hono/request-id";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { meteringPlan, seedTenant } from "../../test/catalogue.js";
import { type Harness, meteringFor } from "../../test/setup.js";
import { usageRoutes } from "./routes.js";

type AppEnv = { Variables: { tenantId: string; requestId: string } };

const NOW = Date.UTC(2026, 2, 15, 12);
let t: TestDb;
let h: Harness;
let tenant: string;
let app: Hono<AppEnv>;
let answers: AnswerCheck;

beforeAll(async () => {
  t = await createTestDb();
  h = meteringFor(t.db, {}, NOW);
  tenant = await seedTenant(t.db, "pro");
  app = new Hono<AppEnv>();
  app.use(requestId());
  app.use(async (c, next) => {
    c.set("tenantId", c.req.header("x-test-tenant") ?? tenant);
    await next();
  });
  const router = usageRoutes<AppEnv>({ metering: h.metering, tenantId: (c) => c.get("tenantId") });
  app.route("/", router);
  const document = apiDocument([router], { title: "usage" });
  app.get("/openapi.json", (c) => c.json(document));
  app.onError(problemErrorHandler());
  answers = checkAnswers(app);
});
afterAll(async () => {
  await h?.metering.close();
  await t?.cleanup();
});

const post = (body: unknown) =>
  app.request("/v1/usage/events", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

describe("usage routes", () => {
  it("POST /v1/usage/events answers {accepted, duplicates}", async () => {
    const events = [
      { id: "a", meter: "tokens", quantity: 1_000, timestamp: "2026-03-15T10:00:00Z" },
      {
        id: "b",
        meter: "tokens",
        quantity: 500,
        timestamp: "2026-03-15T11:30:00Z",
        properties: { model: "x" },
      },
    ];
    const res = await post({ events });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 2, duplicates: 0 });
    const again = await post({ events: [...events, { id: "c", meter: "tokens" }] });
    expect(await again.json()).toEqual({ accepted: 1, duplicates: 2 });
  });

  it("answers 400 problem+json listing the issues for bad input", async () => {
    const cases = [
      { events: [] },
      { events: [{ id: "x", meter: "tokens", quantity: -1 }] },
      { events: [{ id: "x", meter: "nope" }] },
      { events: [{ id: "x", meter: "tokens", timestamp: "2026-03-15T12:30:00Z" }] },
      { events: Array.from({ length: 1_001 }, (_, i) => ({ id: `${i}`, meter: "tokens" })) },
    ];
    for (const body of cases) {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      const problem = (await res.json()) as { code: string; issues: unknown[]; requestId: string };
      expect(problem.code).toBe("validation_failed");
      expect(problem.issues.length).toBeGreaterThan(0);
      expect(problem.requestId).toBeTruthy();
    }
    const unknownMeter = (await (await post({ events: [{ id: "x", meter: "nope" }] })).json()) as {
      issues: { path: string }[];
    };
    expect(unknownMeter.issues[0]?.path).toBe("events.0.meter");
  });

  it("answers 400 bad_request for a body that is not JSON, as every declared route does", async () => {
    const res = await post("{not json");
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json()).toMatchObject({ code: "bad_request", requestId: expect.any(String) });
  });

  it("GET /v1/usage returns points per granularity", async () => {
    h.metering.increment(tenant, "api_calls", 4);
    const res = await app.request(
      "/v1/usage?meter=tokens&from=2026-03-15T00:00:00Z&to=2026-03-16T00:00:00Z&granularity=hour",
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      meter: "tokens",
      points: [
        { start: "2026-03-15T10:00:00.000Z", value: 1_000 },
        { start: "2026-03-15T11:00:00.000Z", value: 500 },
        { start: "2026-03-15T12:00:00.000Z", value: 1 },
      ],
    });
    const calls = await app.request(
      "/v1/usage?meter=api_calls&from=2026-03-15T00:00:00Z&to=2026-03-16T00:00:00Z",
    );
    expect(await calls.json()).toEqual({
      meter: "api_calls",
      points: [{ start: "2026-03-15T00:00:00.000Z", value: 4 }],
    });
    for (const q of [
      "meter=tokens&from=2026-03-15T00:00:00Z",
      "meter=tokens&from=2026-03-16T00:00:00Z&to=2026-03-15T00:00:00Z",
      "meter=tokens&from=yesterday&to=2026-03-15T00:00:00Z",
      "meter=tokens&from=2026-03-15T00:00:00Z&to=2026-03-16T00:00:00Z&granularity=week",
      "meter=nope&from=2026-03-15T00:00:00Z&to=2026-03-16T00:00:00Z",
      "meter=tokens&from=2025-01-01T00:00:00Z&to=2026-03-16T00:00:00Z&granularity=minute",
    ]) {
      const bad = await app.request(`/v1/usage?${q}`);
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { code: string }).code).toBe("validation_failed");
    }
  });

  it("GET /v1/usage/summary gives used, included, overage and its cost per meter", async () => {
    h.metering.increment(tenant, "api_calls", 1_000_996); // 1,001,000 with the 4 above
    const res = await app.request("/v1/usage/summary");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      period: { start: "2026-03-01T00:00:00.000Z", end: "2026-04-01T00:00:00.000Z" },
      plan: "pro",
      currency: "usd",
      meters: [
        {
          meter: "api_calls",
          unit: "request",
          used: 1_001_000,
          included: 1_000_000,
          overage: 1_000,
          overageCost: 50,
        },
        { meter: "tokens", unit: "token", used: 1_501, included: 10_000_000, overage: 0, overageCost: 0 },
        { meter: "seats", unit: "seat", used: 0, included: null, overage: 0, overageCost: 0 },
      ],
    });
  });

  it("GET /v1/entitlements/:feature answers from the plan", async () => {
    const res = await app.request("/v1/entitlements/api_calls");
    expect(await res.json()).toEqual({
      feature: "api_calls",
      allowed: true,
      limit: 1_000_000,
      used: 1_001_000,
      remaining: 0,
    });
    expect(await (await app.request("/v1/entitlements/sso")).json()).toEqual({
      feature: "sso",
      allowed: false,
    });
  });

  // Last: every answer above, 400s included, against the router's own document.
  it("gave only answers its OpenAPI document declares", () => {
    answers.assertNone();
  });
});

describe("usage routes given the resolved tenant's plan", () => {
  it("answer the summary, the series and entitlements without asking the metering's planFor", async () => {
    let lookups = 0;
    const own = meteringFor(
      t.db,
      {
        planFor: () => {
          lookups += 1;
          throw new Error("planFor asked");
        },
      },
      NOW,
    );
    const onEnterprise = await seedTenant(t.db, "enterprise");
    const routesFor = (withPlan: boolean) => {
      const a = new Hono();
      a.route(
        "/",
        usageRoutes({
          metering: own.metering,
          tenantId: () => onEnterprise,
          ...(withPlan ? { plan: () => meteringPlan("enterprise") } : {}),
        }),
      );
      a.onError(problemErrorHandler());
      return a;
    };
    try {
      own.metering.increment(onEnterprise, "api_calls", 7);
      const withPlan = routesFor(true);
      const summary = await withPlan.request("/v1/usage/summary");
      expect(summary.status).toBe(200);
      expect(await summary.json()).toMatchObject({
        plan: "enterprise",
        meters: expect.arrayContaining([
          expect.objectContaining({ meter: "api_calls", used: 7, included: 20_000_000 }),
        ]),
      });
      const series = await withPlan.request(
        "/v1/usage?meter=api_calls&from=2026-03-15T00:00:00Z&to=2026-03-16T00:00:00Z",
      );
      expect(await series.json()).toEqual({
        meter: "api_calls",
        points: [{ start: "2026-03-15T00:00:00.000Z", value: 7 }],
      });
      const entitlement = await withPlan.request("/v1/entitlements/api_calls");
      expect(await entitlement.json()).toMatchObject({ allowed: true, limit: 20_000_000 });
      expect(lookups).toBe(0);

      expect((await routesFor(false).request("/v1/usage/summary")).status).toBe(500);
      expect(lookups).toBe(1);
    } finally {
      await own.metering.close();
    }
  });
});
