import { parseList } from "structured-headers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, INITIAL_KEY, type TestApi } from "../test/setup.js";
import { bootstrap } from "./bootstrap.js";

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: "POST",
  body: JSON.stringify(body),
  headers: { "Content-Type": "application/json", ...headers },
});

describe("the self-hosted api (HTTP contract)", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({
      ADMIN_TOKEN: "admin-token-for-the-api-tests-000000",
      METRICS_TOKEN: "metrics-token-for-the-api-tests-0000",
    });
  });
  afterAll(() => api?.close());

  it("answers health, readiness with each dependency, metrics, the OpenAPI document and docs", async () => {
    expect((await api.app.request("/health")).status).toBe(200);
    const ready = await api.app.request("/ready");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready", checks: { database: { status: "up" } } });
    await api.app.request("/v1/tenant", { headers: api.auth });
    const metrics = await (
      await api.app.request("/metrics", {
        headers: { Authorization: "Bearer metrics-token-for-the-api-tests-0000" },
      })
    ).text();
    expect(metrics).toContain('http_requests_total{method="GET",route="/v1/tenant",status="200"');
    expect(metrics).toContain("tenant_cache_hit_ratio");
    for (const gauge of [
      "metering_buffered_units",
      "metering_oldest_unflushed_age_seconds",
      "metering_quarantined_units",
    ])
      expect(metrics).toMatch(new RegExp(`^${gauge}\\{service="api"\\} \\d`, "m"));
    const doc = (await (await api.app.request("/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/v1/tenant", "/v1/api-keys", "/v1/usage/events", "/v1/usage/summary"]),
    );
    expect(doc.paths["/v1/usage/events"]?.post).toMatchObject({ requestBody: { required: true } });
    expect((await api.app.request("/docs")).headers.get("content-type")).toContain("text/html");
  });

  it("serves the one organisation to its key and refuses anyone else", async () => {
    const res = await api.app.request("/v1/tenant", { headers: api.auth });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ slug: "default", plan: "self_hosted", status: "active" });
    const none = await api.app.request("/v1/tenant");
    expect(none.status).toBe(401);
    expect(none.headers.get("content-type")).toBe("application/problem+json");
    expect(await none.json()).toMatchObject({ code: "unauthorized", requestId: expect.any(String) });
    expect(
      (await api.app.request("/v1/tenant", { headers: { Authorization: "Bearer sk_wrong" } })).status,
    ).toBe(401);
  });

  it("creates, lists and revokes API keys; a revoked key stops working", async () => {
    const created = await api.app.request("/v1/api-keys", json({ name: "ci" }, api.auth));
    expect(created.status).toBe(201);
    const key = (await created.json()) as { id: string; secret: string; name: string };
    expect(key.secret).toMatch(/^sk_/);
    const asNew = { Authorization: `Bearer ${key.secret}` };
    expect((await api.app.request("/v1/tenant", { headers: asNew })).status).toBe(200);
    const list = (await (await api.app.request("/v1/api-keys", { headers: api.auth })).json()) as
      | { data?: unknown[] }
      | unknown[];
    expect(JSON.stringify(list)).not.toContain(key.secret);
    expect(
      (await api.app.request(`/v1/api-keys/${key.id}`, { method: "DELETE", headers: api.auth })).status,
    ).toBe(204);
    expect((await api.app.request("/v1/tenant", { headers: asNew })).status).toBe(401);
  });

  it("meters usage: events deduplicated, the summary exact, and API calls counted", async () => {
    const events = {
      events: [
        { id: "u1", meter: "tokens", quantity: 1_200 },
        { id: "u2", meter: "tokens", quantity: 300 },
      ],
    };
    const first = await api.app.request("/v1/usage/events", json(events, api.auth));
    expect(await first.json()).toEqual({ accepted: 2, duplicates: 0 });
    const again = await api.app.request("/v1/usage/events", json(events, api.auth));
    expect(await again.json()).toEqual({ accepted: 0, duplicates: 2 });
    const bad = await api.app.request(
      "/v1/usage/events",
      json({ events: [{ id: "u3", meter: "tokens", quantity: 1.5 }] }, api.auth),
    );
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "validation_failed" });
    const summary = (await (await api.app.request("/v1/usage/summary", { headers: api.auth })).json()) as {
      plan: string;
      meters: { meter: string; used: number; included: number | null }[];
    };
    expect(summary.plan).toBe("self_hosted");
    expect(summary.meters.find((m) => m.meter === "tokens")).toMatchObject({ used: 1_500, included: null });
    expect(summary.meters.find((m) => m.meter === "api_calls")!.used).toBeGreaterThan(0);
    const entitlement = await api.app.request("/v1/entitlements/sso", { headers: api.auth });
    expect(await entitlement.json()).toMatchObject({ feature: "sso", allowed: true });
  });

  it("replays a retried write with Idempotent-Replayed and refuses a reused key for another request", async () => {
    const body = { events: [{ id: "idem-1", meter: "tokens", quantity: 5 }] };
    const headers = { ...api.auth, "Idempotency-Key": "retry-1" };
    const apiCalls = async () => {
      const res = await api.app.request("/v1/usage/summary", { headers: api.auth });
      const summary = (await res.json()) as { meters: { meter: string; used: number }[] };
      return summary.meters.find((m) => m.meter === "api_calls")!.used;
    };
    const before = await apiCalls();
    const first = await api.app.request("/v1/usage/events", json(body, headers));
    const replay = await api.app.request("/v1/usage/events", json(body, headers));
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await replay.text()).toBe(await first.text());
    // Counted: the summary read before (after its answer) and the first write; not the replay.
    expect((await apiCalls()) - before).toBe(2);
    const mismatch = await api.app.request(
      "/v1/usage/events",
      json({ events: [{ id: "idem-2", meter: "tokens" }] }, headers),
    );
    expect(mismatch.status).toBe(422);
    expect(await mismatch.json()).toMatchObject({ code: "idempotency_key_mismatch" });
    const tooLong = await api.app.request(
      "/v1/usage/events",
      json(body, { ...api.auth, "Idempotency-Key": "k".repeat(256) }),
    );
    expect(tooLong.status).toBe(400);
    expect(await tooLong.json()).toMatchObject({ code: "idempotency_key_invalid" });
  });

  it("carries RateLimit headers that parse as structured fields", async () => {
    const res = await api.app.request("/v1/tenant", { headers: api.auth });
    const [policy] = parseList(res.headers.get("ratelimit-policy")!);
    expect(policy?.[0]).toBe("self_hosted");
    expect(Object.fromEntries(policy![1])).toMatchObject({ q: 2000, w: 2 });
    const limit = parseList(res.headers.get("ratelimit")!);
    expect(Object.fromEntries(limit[0]![1]).r).toBeLessThan(2000);
  });

  it("answers billing routes 501 billing_not_configured without Stripe", async () => {
    const res = await api.app.request("/v1/billing/subscription", { headers: api.auth });
    expect(res.status).toBe(501);
    expect(await res.json()).toMatchObject({ code: "billing_not_configured" });
  });

  it("keeps one organisation and one first key across restarts", async () => {
    const again = await bootstrap(api.deps.db, {
      slug: "default",
      name: "x",
      email: "a@b.test",
      initialApiKey: INITIAL_KEY,
    });
    expect(again).toMatchObject({
      createdOrganisation: false,
      organisation: { id: api.deps.organisation.id },
    });
    expect(again.generatedSecret).toBeUndefined();
  });

  it("protects admin routes with the admin token", async () => {
    expect((await api.app.request("/admin/tenants")).status).toBe(401);
    const res = await api.app.request("/admin/tenants", {
      headers: { Authorization: "Bearer admin-token-for-the-api-tests-000000" },
    });
    expect(res.status).toBe(200);
  });

  it("answers unknown routes and oversized bodies with problems, never a 500", async () => {
    expect((await api.app.request("/v1/nope", { headers: api.auth })).status).toBe(404);
    const big = await api.app.request(
      "/v1/usage/events",
      json({ pad: "x".repeat(2 * 1024 * 1024) }, api.auth),
    );
    expect(big.status).toBe(413);
    const garbage = await api.app.request("/v1/usage/events", {
      method: "POST",
      body: "{not json",
      headers: { ...api.auth, "Content-Type": "application/json" },
    });
    expect(garbage.status).toBe(400);
  });
});

describe("rate limit of the self_hosted plan", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({ RATE_LIMIT_PER_SECOND: "1" });
  });
  afterAll(() => api?.close());

  it("admits the burst (2x the rate) and then answers 429 rate_limited with Retry-After", async () => {
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 4; i++) {
      const res = await api.app.request("/v1/tenant", { headers: api.auth });
      statuses.push(res.status);
      if (res.status === 429) refused = res;
    }
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    expect(statuses).toContain(429);
    expect(refused!.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await refused!.json()).toMatchObject({ code: "rate_limited" });
  });
});
