import { problemErrorHandler } from "@org/problem/hono";
import { apiDocument } from "@org/server-kit/hono";
import { type AnswerCheck, checkAnswers, createTestDb, type TestDb } from "@org/testing";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedTenant } from "../../test/catalogue.js";
import { type Harness, meteringFor } from "../../test/setup.js";
import { usageAlertRoutes } from "./alerts-routes.js";
import { quota } from "./middleware.js";

type AppEnv = { Variables: { tenantId: string } };

let t: TestDb;
let h: Harness;
const answerChecks: AnswerCheck[] = [];

beforeAll(async () => {
  t = await createTestDb();
  h = meteringFor(t.db, {}, Date.UTC(2026, 2, 15, 12));
});
afterAll(async () => {
  await h?.metering.close();
  await t?.cleanup();
});

function app() {
  const a = new Hono<AppEnv>();
  a.use(async (c, next) => {
    c.set("tenantId", c.req.header("x-tenant") ?? "");
    await next();
  });
  a.use("/v1/*", quota<AppEnv>({ metering: h.metering, tenantId: (c) => c.get("tenantId") }));
  const router = usageAlertRoutes<AppEnv>({
    db: t.db,
    metering: h.metering,
    tenantId: (c) => c.get("tenantId"),
  });
  a.route("/", router);
  const document = apiDocument([router], { title: "usage alerts" });
  a.get("/openapi.json", (c) => c.json(document));
  a.get("/v1/thing", (c) => c.json({ ok: true }));
  a.onError(problemErrorHandler());
  answerChecks.push(checkAnswers(a));
  return a;
}

const put = (a: Hono<AppEnv>, tenant: string, body: unknown) =>
  a.request("/v1/usage/alerts", {
    method: "PUT",
    headers: { "x-tenant": tenant, "content-type": "application/json" },
    body: JSON.stringify(body),
  });

describe("usage alert routes and the spend cap", () => {
  it("replaces the configuration with PUT and answers it with GET", async () => {
    const tenant = await seedTenant(t.db, "pro");
    const a = app();
    const config = { meters: { api_calls: { percentages: [50, 80, 100], spendCap: 5_000 } } };
    expect((await put(a, tenant, config)).status).toBe(200);
    const replaced = { meters: { tokens: { overageAmounts: [1_000] } } };
    expect(await (await put(a, tenant, replaced)).json()).toEqual(replaced);
    const got = await a.request("/v1/usage/alerts", { headers: { "x-tenant": tenant } });
    expect(await got.json()).toEqual(replaced);
  });

  it.each([
    ["an unknown meter", { meters: { api_callz: { percentages: [50] } } }],
    ["a negative cap", { meters: { api_calls: { spendCap: -1 } } }],
    ["a fractional percentage", { meters: { api_calls: { percentages: [12.5] } } }],
    ["an unknown field", { meters: { api_calls: { percent: [50] } } }],
    ["no meters", {}],
  ])("refuses %s with 400 validation_failed", async (_name, body) => {
    const tenant = await seedTenant(t.db, "pro");
    const res = await put(app(), tenant, body);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(await res.json()).toMatchObject({ code: "validation_failed" });
  });

  it("answers 402 payment_required once the overage reaches the spend cap, and not before", async () => {
    const tenant = await seedTenant(t.db, "pro");
    h.plans.set(tenant, "pro"); // 1,000,000 calls included, then 50 per started 1,000
    const a = app();
    const headers = { "x-tenant": tenant };
    expect((await put(a, tenant, { meters: { api_calls: { spendCap: 100 } } })).status).toBe(200);
    h.metering.increment(tenant, "api_calls", 1_001_000); // overage 50
    await h.metering.flush();
    expect((await a.request("/v1/thing", { headers })).status).toBe(200);
    h.metering.increment(tenant, "api_calls", 1); // overage 100: the cap
    await h.metering.flush();
    const refused = await a.request("/v1/thing", { headers });
    expect(refused.status).toBe(402);
    expect(await refused.json()).toMatchObject({ code: "payment_required", meter: "api_calls" });
    expect((await put(a, tenant, { meters: { api_calls: { spendCap: 150 } } })).status).toBe(200);
    expect((await a.request("/v1/thing", { headers })).status).toBe(200);
  });

  // Last: every answer of the alert routes above, 400s included, against their own document.
  it("gave only answers its OpenAPI document declares", () => {
    for (const answers of answerChecks) answers.assertNone();
  });
});
