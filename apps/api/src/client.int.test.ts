import { createClient, type PlatformClient, type Problem } from "@org/client";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { createTestApi, type TestApi } from "../test/setup.js";

describe("@org/client against the real self-hosted api", () => {
  let api: TestApi;
  let client: PlatformClient;
  beforeAll(async () => {
    api = await createTestApi();
    client = createClient({
      baseUrl: "http://localhost",
      headers: api.auth,
      fetch: (r) => api.app.request(r),
    });
  });
  afterAll(() => api?.close());

  it("reads the one organisation and sends usage", async () => {
    const { data: tenant, error } = await client.GET("/v1/tenant");
    if (error) throw new Error(`tenant answered ${error.code}`);
    expectTypeOf(tenant.status).toEqualTypeOf<"pending" | "active" | "suspended" | "deleted">();
    expect(tenant).toMatchObject({ slug: "default", plan: "self_hosted", status: "active" });

    const sent = await client.POST("/v1/usage/events", {
      body: { events: [{ id: "e-1", meter: "tokens", quantity: 3 }] },
    });
    expect(sent.data).toEqual({ accepted: 1, duplicates: 0 });
  });

  it("serves a subset of cloud-api's document: every operation it has is the client's, unchanged", async () => {
    const own = (await (await api.app.request("/openapi.json")).json()) as { paths: Record<string, object> };
    const { default: full } = await import("@org/client/openapi.json", { with: { type: "json" } });
    const paths = (full as { paths: Record<string, Record<string, object>> }).paths;
    expect(Object.keys(own.paths).length).toBeGreaterThan(15);
    expect(own.paths).not.toHaveProperty(["/v1/tenants"]);
    for (const [path, methods] of Object.entries(own.paths)) {
      for (const [method, op] of Object.entries(methods))
        expect(op, `${method} ${path}`).toEqual(paths[path]?.[method]);
    }
  });

  it("answers billing without Stripe with a 501 problem", async () => {
    const { data, error, response } = await client.GET("/v1/billing/subscription");
    expect(data).toBeUndefined();
    expect(response.status).toBe(501);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expectTypeOf(error?.code).toEqualTypeOf<Problem["code"] | undefined>();
    expect(error).toMatchObject({ status: 501, code: "billing_not_configured" });
  });
});
