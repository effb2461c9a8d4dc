import { z } from "@hono/zod-openapi";
import { problemErrorHandler } from "@org/problem/hono";
import { apiDocument, mountApiDocs } from "@org/server-kit/hono";
import { checkAnswers } from "@org/testing";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "../../test/harness.js";
import { billingPreviewRoutes } from "./billing-preview-route.js";
import { adminCreditsRoutes, creditsRoutes } from "./credits-routes.js";
import { type BillingTenant, billingRoutes } from "./routes.js";

const usageSummary = z.object({ requests: z.number().int() }).openapi("UsageSummary");

describe("billing and credits routes answer as their declarations say", () => {
  let h: Harness;
  let app: Hono;
  let answers: ReturnType<typeof checkAnswers>;
  /** The tenant the next request is made as. */
  let tenant: BillingTenant;

  beforeAll(async () => {
    h = await createHarness();
    const tenantOf = () => tenant;
    const routers = [
      billingRoutes({
        billing: h.deps,
        tenantOf,
        usageOf: async () => ({ requests: 3 }),
        usageSchema: usageSummary,
      }),
      billingPreviewRoutes({ billing: h.deps, tenantOf }),
      creditsRoutes({ db: h.deps.db, tenantOf: () => ({ id: tenant.id, currency: "usd" }) }),
      adminCreditsRoutes({ db: h.deps.db, guard: async (_, next) => next() }),
    ];
    app = new Hono();
    app.onError(problemErrorHandler());
    for (const router of routers) app.route("/", router);
    mountApiDocs(app, apiDocument(routers, { title: "billing-test" }));
    answers = checkAnswers(app);
  });
  afterAll(() => h?.close());

  const get = async (path: string) => {
    const res = await app.request(path);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const post = async (path: string, body?: object) => {
    const res = await app.request(path, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": crypto.randomUUID() },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it("serves a subscribed tenant: subscription with usage, lists, preview, plan change, cancel and resume, portal", async () => {
    const subscribed = await h.subscribe("pro");
    tenant = { ...(await h.tenant(subscribed.tenant.id)), plan: "free" };

    const completed = await get(`/v1/billing/checkout/complete?session_id=${subscribed.sessionId}`);
    expect(completed).toMatchObject({
      status: 200,
      body: { plan: "pro", status: "active", usage: { requests: 3 } },
    });
    tenant = { ...tenant, plan: "pro" };
    expect(await get("/v1/billing/subscription")).toMatchObject({ status: 200, body: { plan: "pro" } });
    expect(await get("/v1/billing/invoices?limit=5")).toMatchObject({
      status: 200,
      body: { nextCursor: null },
    });
    expect(await get("/v1/billing/payment-methods")).toMatchObject({
      status: 200,
      body: { data: [expect.objectContaining({ isDefault: expect.any(Boolean) })] },
    });
    expect(await get("/v1/billing/preview?plan=enterprise")).toMatchObject({
      status: 200,
      body: { plan: "enterprise", interval: "month" },
    });

    expect(await post("/v1/billing/subscription/change", { plan: "pro" })).toMatchObject({
      status: 200,
      body: { change: "unchanged", subscription: { plan: "pro" } },
    });
    expect(await post("/v1/billing/subscription/cancel")).toMatchObject({
      status: 200,
      body: { cancelAtPeriodEnd: true },
    });
    expect(await post("/v1/billing/subscription/resume")).toMatchObject({
      status: 200,
      body: { cancelAtPeriodEnd: false },
    });
    expect(await post("/v1/billing/portal", { returnUrl: "https://app.test/settings" })).toMatchObject({
      status: 200,
      body: { url: expect.any(String) },
    });
  });

  it("answers its refusals as the problems it declares", async () => {
    const subscribed = await h.subscribe("pro");
    tenant = { ...(await h.tenant(subscribed.tenant.id)), plan: "pro" };
    const code = (answer: { body: Record<string, unknown> }) => answer.body.code;

    const again = await post("/v1/billing/checkout", { plan: "pro" });
    expect([again.status, code(again)]).toEqual([409, "subscription_exists"]);
    const unknownPlan = await get("/v1/billing/preview?plan=platinum");
    expect([unknownPlan.status, code(unknownPlan)]).toEqual([400, "plan_not_found"]);
    const notCanceled = await post("/v1/billing/subscription/resume");
    expect([notCanceled.status, code(notCanceled)]).toEqual([409, "conflict"]);
    const otherSession = await get("/v1/billing/checkout/complete?session_id=cs_test_nosuch");
    expect([otherSession.status, code(otherSession)]).toEqual([404, "not_found"]);

    h.fake.faults.failNext(1, { path: "/v1/billing_portal/sessions" });
    const stripeDown = await post("/v1/billing/portal");
    expect([stripeDown.status, code(stripeDown)]).toEqual([502, "stripe_error"]);

    tenant = { ...(await h.newTenant()), plan: "free" };
    const none = await post("/v1/billing/subscription/change", { plan: "enterprise" });
    expect([none.status, code(none)]).toEqual([404, "subscription_not_found"]);
    const noPreview = await get("/v1/billing/preview?plan=enterprise");
    expect([noPreview.status, code(noPreview)]).toEqual([404, "subscription_not_found"]);
    expect(await get("/v1/billing/payment-methods")).toEqual({
      status: 200,
      body: { data: [], nextCursor: null },
    });
  });

  it("grants credits to a tenant and shows them in its ledger", async () => {
    tenant = { ...(await h.newTenant()), plan: "free" };
    const granted = await post(`/admin/tenants/${tenant.id}/credits`, { amount: 2_500, reason: "goodwill" });
    expect(granted).toMatchObject({
      status: 201,
      body: { amount: 2_500, currency: "usd", reason: "goodwill" },
    });
    expect(await get("/v1/credits")).toMatchObject({
      status: 200,
      body: {
        balance: { amount: 2_500, currency: "usd" },
        data: [expect.objectContaining({ kind: "grant" })],
      },
    });
    const missing = await post("/admin/tenants/ten_nosuch/credits", { amount: 1, reason: "x" });
    expect([missing.status, missing.body.code]).toEqual([404, "tenant_not_found"]);
  });

  it("gave no answer its declaration does not describe", () => {
    expect(answers.violations).toEqual([]);
  });
});
