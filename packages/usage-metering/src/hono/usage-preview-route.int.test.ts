import { problemErrorHandler } from "@org/problem/hono";
import { apiDocument } from "@org/server-kit/hono";
import { checkAnswers, createTestDb, type TestDb } from "@org/testing";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { meteringPlan, seedTenant } from "../../test/catalogue.js";
import { type Harness, meteringFor } from "../../test/setup.js";
import { usagePreviewRoutes } from "./usage-preview-route.js";

let t: TestDb;
let h: Harness;

beforeAll(async () => {
  t = await createTestDb();
  h = meteringFor(t.db, {}, Date.UTC(2026, 2, 15, 12));
});
afterAll(async () => {
  await h?.metering.close();
  await t?.cleanup();
});

describe("GET /v1/usage/preview", () => {
  it("prices the period's overage, covered by credits first, as its document declares", async () => {
    const tenant = await seedTenant(t.db, "pro");
    const pro = meteringPlan("pro");
    const router = usagePreviewRoutes({
      metering: h.metering,
      tenantId: () => tenant,
      planOf: () => pro,
      availableCredits: async () => 100,
    });
    const app = new Hono();
    app.route("/", router);
    const document = apiDocument([router], { title: "usage preview" });
    app.get("/openapi.json", (c) => c.json(document));
    app.onError(problemErrorHandler());
    const answers = checkAnswers(app);
    h.metering.increment(tenant, "api_calls", 1_001_000); // 1,000 over: one package of 50

    const res = await app.request("/v1/usage/preview");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { availableCredits: number; meters: { meter: string }[] };
    expect(body).toMatchObject({
      period: { start: "2026-03-01T00:00:00.000Z", end: "2026-04-01T00:00:00.000Z" },
      plan: "pro",
      currency: "usd",
      availableCredits: 100,
    });
    expect(body.meters.find((m) => m.meter === "api_calls")).toMatchObject({
      used: 1_001_000,
      overage: 1_000,
      amount: 50,
      credits: 50,
      reportQuantity: 0,
    });
    answers.assertNone();
  });
});
