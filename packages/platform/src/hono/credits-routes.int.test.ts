import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, bearer, createPlatformHarness, type PlatformHarness } from "../../test/harness.js";

describe("credits over HTTP", () => {
  let h: PlatformHarness;
  beforeAll(async () => {
    h = await createPlatformHarness({ billing: false, admin: true });
  }, 90_000);
  afterAll(() => h?.close());

  const grant = (tenantId: string, body: unknown, key?: string, token = ADMIN_TOKEN) =>
    h.app.request(`/admin/tenants/${tenantId}/credits`, {
      method: "POST",
      headers: {
        ...bearer(token),
        "Content-Type": "application/json",
        ...(key ? { "Idempotency-Key": key } : {}),
      },
      body: JSON.stringify(body),
    });

  it("grants once per Idempotency-Key and shows the balance and ledger to the tenant", async () => {
    const tenant = await h.seedTenant("pro");
    const body = { amount: 5_000, reason: "prepaid top-up", priority: 1 };
    const first = await grant(tenant.id, body, "topup-1");
    expect(first.status).toBe(201);
    const replay = await grant(tenant.id, body, "topup-1");
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await replay.json()).toEqual(await first.json());
    const credits = await h.app.request("/v1/credits?limit=10", { headers: bearer(tenant.secret) });
    expect(credits.status).toBe(200);
    const view = (await credits.json()) as { balance: unknown; data: unknown[]; nextCursor: unknown };
    expect(view.balance).toEqual({ amount: 5_000, currency: "usd" });
    expect(view.data).toHaveLength(1);
    expect(view.data[0]).toMatchObject({
      kind: "grant",
      amount: 5_000,
      priority: 1,
      reason: "prepaid top-up",
    });
    expect(view.nextCursor).toBeNull();
  });

  it("answers bad input, unknown tenants and missing admin tokens with problem+json", async () => {
    const tenant = await h.seedTenant("pro");
    const bad = await grant(tenant.id, { amount: -5, reason: "" });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
    expect(await bad.json()).toMatchObject({ code: "validation_failed" });
    const fractional = await grant(tenant.id, { amount: 10.5, reason: "x" });
    expect(fractional.status).toBe(400);
    expect((await grant("ten_missing", { amount: 10, reason: "x" })).status).toBe(404);
    expect((await grant(tenant.id, { amount: 10, reason: "x" }, undefined, tenant.secret)).status).toBe(401);
    const cursor = await h.app.request("/v1/credits?cursor=nope", { headers: bearer(tenant.secret) });
    expect(cursor.status).toBe(400);
    expect(await cursor.json()).toMatchObject({ code: "validation_failed" });
  });

  it("previews the current period's overage with the credits that would pay for it", async () => {
    const tenant = await h.seedTenant("pro");
    await grant(tenant.id, { amount: 700, reason: "prepaid" }, "preview-topup");
    const res = await h.app.request("/v1/usage/preview", { headers: bearer(tenant.secret) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      availableCredits: number;
      currency: string;
      meters: { meter: string }[];
    };
    expect(body).toMatchObject({ availableCredits: 700, currency: "usd", plan: "pro" });
    expect(body.meters.map((m) => m.meter).sort()).toEqual(["api_calls", "tokens"]);
  });
});
