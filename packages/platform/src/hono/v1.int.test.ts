import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ADMIN_TOKEN,
  BASE_DOMAIN,
  bearer,
  createPlatformHarness,
  type PlatformHarness,
} from "../../test/harness.js";

describe("mountV1: the v1 pipeline as cloud-api composes it", () => {
  let h: PlatformHarness;
  beforeAll(async () => {
    h = await createPlatformHarness({ redis: true });
  });
  afterAll(() => h?.close());

  /** The tenant's `api_calls` this period, buffered counts flushed first. */
  async function apiCalls(tenantId: string): Promise<number> {
    await h.deps.metering.flush();
    const summary = await h.deps.metering.summary(tenantId);
    return summary.meters.find((m) => m.meter === "api_calls")?.used ?? 0;
  }

  it("resolves the tenant, answers with the rate-limit headers and counts one api_call per answered request", async () => {
    const tenant = await h.seedTenant();
    for (let i = 0; i < 3; i++) {
      const res = await h.app.request("/v1/tenant", { headers: bearer(tenant.secret) });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ id: tenant.id, plan: "free", status: "active" });
      expect(res.headers.get("RateLimit-Policy")).toMatch(/^"free";q=20;w=\d+/);
      expect(res.headers.get("RateLimit")).toMatch(/^"free";r=\d+;t=\d+/);
      expect(res.headers.get("X-Request-Id")).toBeTruthy();
    }
    expect(await apiCalls(tenant.id)).toBe(3);
  });

  it("counts no api_call for a refusal: missing credentials (401) or over the plan's rate (429)", async () => {
    const tenant = await h.seedTenant();
    const anonymous = await h.app.request(`http://${tenant.slug}.${BASE_DOMAIN}/v1/tenant`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("Content-Type")).toContain("application/problem+json");
    expect(await anonymous.json()).toMatchObject({ code: "unauthorized" });

    // The free plan allows a burst of 20 at 10/s: 200 at once cannot all pass unless they took 18 s.
    const answers = await Promise.all(
      Array.from({ length: 200 }, () => h.app.request("/v1/tenant", { headers: bearer(tenant.secret) })),
    );
    const ok = answers.filter((r) => r.status === 200);
    const limited = answers.filter((r) => r.status === 429);
    expect(ok.length + limited.length).toBe(200);
    expect(limited.length).toBeGreaterThan(0);
    for (const res of limited) {
      expect(res.headers.get("Retry-After")).toMatch(/^\d+$/);
      expect(await res.json()).toMatchObject({ code: "rate_limited" });
    }
    expect(await apiCalls(tenant.id)).toBe(ok.length);
  });

  it("answers a repeated Idempotency-Key from the store, marked as a replay, and counts it once", async () => {
    const tenant = await h.seedTenant();
    const create = () =>
      h.app.request("/v1/api-keys", {
        method: "POST",
        headers: { ...bearer(tenant.secret), "Content-Type": "application/json", "Idempotency-Key": "key-1" },
        body: JSON.stringify({ name: "ci" }),
      });
    const first = await create();
    expect(first.status).toBe(201);
    const replay = await create();
    expect(replay.status).toBe(201);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    // The secret is shown once: the replay answers everything else, the secret redacted.
    const original = (await first.json()) as { secret: string };
    expect(original.secret).toMatch(/^sk_/);
    expect(replay.headers.get("Idempotent-Redacted")).toBe('"/secret"');
    expect(await replay.json()).toEqual({ ...original, secret: null });
    const list = await h.app.request("/v1/api-keys", { headers: bearer(tenant.secret) });
    const keys = (await list.json()) as { data: { name: string }[] };
    expect(keys.data.filter((k) => k.name === "ci")).toHaveLength(1);
    // The first POST and the list; the replay is free.
    expect(await apiCalls(tenant.id)).toBe(2);
  });

  it("names the tenant by its subdomain and refuses another tenant's credentials there", async () => {
    const acme = await h.seedTenant();
    const other = await h.seedTenant();
    const own = await h.app.request(`http://${acme.slug}.${BASE_DOMAIN}/v1/tenant`, {
      headers: bearer(acme.secret),
    });
    expect(own.status).toBe(200);
    expect(await own.json()).toMatchObject({ id: acme.id });
    const foreign = await h.app.request(`http://${acme.slug}.${BASE_DOMAIN}/v1/tenant`, {
      headers: bearer(other.secret),
    });
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toMatchObject({ code: "tenant_mismatch" });
  });

  it("serves signup before tenant resolution, on a host that names no tenant only", async () => {
    const signup = (host: string, key: string) =>
      h.app.request(`http://${host}/v1/tenants`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Idempotency-Key": key },
        body: JSON.stringify({ name: "Globex", slug: "globex", email: "owner@globex.test", plan: "free" }),
      });
    const created = await signup(BASE_DOMAIN, "signup-globex");
    expect(created.status).toBe(201);
    const body = (await created.json()) as {
      tenant: { id: string; slug: string };
      apiKey: { secret: string };
    };
    expect(body.tenant.slug).toBe("globex");
    const tenant = await h.app.request(`http://globex.${BASE_DOMAIN}/v1/tenant`, {
      headers: bearer(body.apiKey.secret),
    });
    expect(await tenant.json()).toMatchObject({ id: body.tenant.id, status: "active" });

    const onTenantHost = await signup(`globex.${BASE_DOMAIN}`, "signup-on-tenant-host");
    expect(onTenantHost.status).toBe(404);
  });

  it("gives the billing routes the tenant's record, and answers the subscription of a tenant with none", async () => {
    const tenant = await h.seedTenant();
    const res = await h.app.request("/v1/billing/subscription", { headers: bearer(tenant.secret) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ plan: "free" });
  });

  it("serves the admin routes behind the admin token only", async () => {
    const tenant = await h.seedTenant();
    expect((await h.app.request("/admin/tenants")).status).toBe(401);
    expect((await h.app.request("/admin/tenants", { headers: bearer(tenant.secret) })).status).toBe(401);
    const res = await h.app.request(`/admin/tenants?limit=200`, { headers: bearer(ADMIN_TOKEN) });
    expect(res.status).toBe(200);
    const page = (await res.json()) as { data: { id: string }[] };
    expect(page.data.map((t) => t.id)).toContain(tenant.id);
  });
});

describe("mountV1 without billing or an admin token", () => {
  let h: PlatformHarness;
  beforeAll(async () => {
    h = await createPlatformHarness({ billing: false, admin: false });
  });
  afterAll(() => h?.close());

  it("mounts no admin routes, and answers billing with 501 billing_not_configured", async () => {
    const tenant = await h.seedTenant();
    expect((await h.app.request("/admin/tenants", { headers: bearer(ADMIN_TOKEN) })).status).toBe(404);
    const billing = await h.app.request("/v1/billing/subscription", { headers: bearer(tenant.secret) });
    expect(billing.status).toBe(501);
    expect(await billing.json()).toMatchObject({ code: "billing_not_configured" });
  });
});
