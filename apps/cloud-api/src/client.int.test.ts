import { createClient, type PlatformClient, type Problem, type paths } from "@org/client";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { BASE, type CloudHarness, createCloudHarness } from "../test/harness.js";

type Json<P extends keyof paths, M extends keyof paths[P], S extends number = 200> = paths[P][M] extends {
  responses: { [K in S]: { content: { "application/json": infer B } } };
}
  ? B
  : never;

/** The JSON the contract promises, written out by hand: a change to a route's schemas fails tsc here. */
interface TenantJson {
  id: string;
  slug: string;
  name: string;
  email: string;
  status: "pending" | "active" | "suspended" | "deleted";
  plan: string;
  createdAt: string;
  updatedAt: string;
}

describe("@org/client (generated from the document) against the real cloud-api", () => {
  let h: CloudHarness;
  let anonymous: PlatformClient;
  let acme: PlatformClient;
  let secret: string;

  beforeAll(async () => {
    h = await createCloudHarness();
    anonymous = createClient({ baseUrl: `http://${BASE}`, fetch: (r) => h.app.request(r) });
  });
  afterAll(() => h?.close());

  it("signs up with the typed body and Idempotency-Key, and answers the typed 201", async () => {
    expectTypeOf<Json<"/v1/tenants", "post", 201>["tenant"]>().toEqualTypeOf<TenantJson>();
    const { data, response } = await anonymous.POST("/v1/tenants", {
      params: { header: { "Idempotency-Key": "client-signup-acme" } },
      body: { name: "Acme", slug: "acme", email: "owner@acme.test", plan: "free" },
    });
    expect(response.status).toBe(201);
    if (!data) throw new Error(`signup answered ${response.status}`);
    expect(Object.keys(data).sort()).toEqual(["apiKey", "tenant"]);
    expect(data.tenant).toMatchObject({ slug: "acme", name: "Acme", plan: "free", status: "active" });
    if (!data.apiKey.secret) throw new Error("signup showed no secret");
    secret = data.apiKey.secret;
    acme = createClient({ baseUrl: `http://acme.${BASE}`, token: secret, fetch: (r) => h.app.request(r) });
    const { data: tenant } = await acme.GET("/v1/tenant");
    expect(tenant).toEqual({ ...data.tenant, updatedAt: expect.any(String) });
  });

  it("answers problem+json, typed as Problem, when the request is refused", async () => {
    const { error, response } = await anonymous.GET("/v1/tenant");
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expectTypeOf(error?.code).toEqualTypeOf<Problem["code"] | undefined>();
    expect(error).toMatchObject({
      status: 401,
      code: "unauthorized",
      requestId: expect.stringMatching(/^req_/),
    });

    const bad = await acme.POST("/v1/usage/events", {
      // @ts-expect-error quantity must be a number (the declared body schema)
      body: { events: [{ id: "x", meter: "tokens", quantity: "many" }] },
    });
    expect(bad.response.status).toBe(400);
    expect(bad.error).toMatchObject({ code: "validation_failed", issues: expect.any(Array) });
  });

  it("POST /v1/usage/events: counted once per id, replayed under its Idempotency-Key", async () => {
    expectTypeOf<Json<"/v1/usage/events", "post">>().toEqualTypeOf<{
      accepted: number;
      duplicates: number;
    }>();
    const body = {
      events: [
        { id: "tok-1", meter: "tokens", quantity: 1_500 },
        { id: "tok-2", meter: "tokens" },
      ],
    };
    const params = { header: { "Idempotency-Key": "usage-1" } };
    expect((await acme.POST("/v1/usage/events", { params, body })).data).toEqual({
      accepted: 2,
      duplicates: 0,
    });
    const replay = await acme.POST("/v1/usage/events", { params, body });
    expect(replay.response.headers.get("idempotent-replayed")).toBe("true");
    expect((await acme.POST("/v1/usage/events", { body })).data).toEqual({ accepted: 0, duplicates: 2 });
  });

  it("GET /v1/usage and /v1/usage/summary: typed query and bodies", async () => {
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = new Date(Date.now() + 86_400_000).toISOString();
    const series = await acme.GET("/v1/usage", {
      params: { query: { meter: "tokens", from, to, granularity: "hour" } },
    });
    if (!series.data) throw new Error(`usage answered ${series.response.status}`);
    expect(series.data.meter).toBe("tokens");
    expect(series.data.points.reduce((sum, p) => sum + p.value, 0)).toBe(1_501);

    const { data: summary } = await acme.GET("/v1/usage/summary");
    if (!summary) throw new Error("no summary");
    expectTypeOf(summary.period).toEqualTypeOf<{ start: string; end: string }>();
    expect(Object.keys(summary).sort()).toEqual(["currency", "meters", "period", "plan"]);
    expect(summary.meters.find((m) => m.meter === "tokens")).toMatchObject({
      used: 1_501,
      included: 100_000,
      overage: 0,
    });
  });

  it("entitlements and API keys: path parameters, 201 and 204", async () => {
    const ent = await acme.GET("/v1/entitlements/{feature}", { params: { path: { feature: "tokens" } } });
    expect(ent.data).toMatchObject({ feature: "tokens", allowed: true, limit: 100_000, used: 1_501 });

    const created = await acme.POST("/v1/api-keys", { body: { name: "ci" } });
    expect(created.response.status).toBe(201);
    if (!created.data) throw new Error("no key");
    expectTypeOf(created.data.scopes).toEqualTypeOf<string[]>();
    expect(created.data).toMatchObject({ name: "ci", secret: expect.any(String) });
    const list = await acme.GET("/v1/api-keys");
    expect(list.data?.data.map((k) => k.id)).toContain(created.data.id);
    const revoked = await acme.DELETE("/v1/api-keys/{id}", { params: { path: { id: created.data.id } } });
    expect(revoked.response.status).toBe(204);
  });

  it("billing: the subscription with this period's usage, checkout, and invoices", async () => {
    const { data: view } = await acme.GET("/v1/billing/subscription");
    if (!view) throw new Error("no subscription view");
    expect(view).toMatchObject({ plan: "free", cancelAtPeriodEnd: false });
    const { data: summary } = await acme.GET("/v1/usage/summary");
    expect(view.usage?.period).toEqual(summary?.period);

    const checkout = await acme.POST("/v1/billing/checkout", { body: { plan: "pro" } });
    if (!checkout.data) throw new Error(`checkout answered ${checkout.response.status}`);
    expect(Object.keys(checkout.data).sort()).toEqual(["sessionId", "url"]);
    expect(checkout.data.sessionId).toMatch(/^cs_/);

    const invoices = await acme.GET("/v1/billing/invoices", { params: { query: { limit: 5 } } });
    expectTypeOf(invoices.data?.nextCursor).toEqualTypeOf<string | null | undefined>();
    expect(invoices.data).toEqual({ data: [], nextCursor: null });
  });
});
