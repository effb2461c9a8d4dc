import type { InferResponseType } from "hono/client";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { createTestApi, type TestApi } from "../test/setup.js";
import { type AppType, createClient } from "./index.js";

describe("the typed client (hc over the self-hosted AppType) against the real api", () => {
  let api: TestApi;
  let client: ReturnType<typeof createClient<AppType>>;
  beforeAll(async () => {
    api = await createTestApi();
    client = createClient<AppType>("http://localhost", { fetch: api.app.request, headers: api.auth });
  });
  afterAll(() => api?.close());

  it("reads the one organisation, sends usage, and has no signup", async () => {
    const res = await client.v1.tenant.$get();
    if (!res.ok) throw new Error(`tenant answered ${res.status}`);
    const tenant = await res.json();
    expectTypeOf(tenant.status).toEqualTypeOf<"pending" | "active" | "suspended" | "deleted">();
    expect(tenant).toMatchObject({ slug: "default", plan: "self_hosted", status: "active" });

    const sent = await client.v1.usage.events.$post({
      json: { events: [{ id: "e-1", meter: "tokens", quantity: 3 }] },
    });
    if (!sent.ok) throw new Error(`events answered ${sent.status}`);
    expect(await sent.json()).toEqual({ accepted: 1, duplicates: 0 });

    // @ts-expect-error signup is cloud-api's: the self-hosted contract has no POST /v1/tenants
    expect(client.v1.tenants).toBeDefined();
  });

  it("answers billing without Stripe with a typed 501 problem", async () => {
    expectTypeOf<InferResponseType<typeof client.v1.billing.subscription.$get, 501>>().toHaveProperty("code");
    const res = await client.v1.billing.subscription.$get();
    expect(res.status).toBe(501);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    if (res.ok) throw new Error("billing answered without Stripe");
    expect(await res.json()).toMatchObject({ status: 501, code: "billing_not_configured" });
  });
});
