import { idempotencyKeys, newId, tenants, usageBuckets, usageEvents } from "@org/db";
import { and, eq, sum } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, bearer } from "../test/harness.js";
import { createSelfHostedHarness, type SelfHostedHarness } from "../test/self-hosted-harness.js";

const MINUTE_MS = 60_000;
const json = (secret: string, extra: Record<string, string> = {}) => ({
  ...bearer(secret),
  "Content-Type": "application/json",
  ...extra,
});

/** `api_calls` of the organisation written to Postgres (what survives the process). */
async function storedApiCalls(h: SelfHostedHarness): Promise<number> {
  const [row] = await h.t.db
    .select({ total: sum(usageBuckets.value) })
    .from(usageBuckets)
    .where(and(eq(usageBuckets.tenantId, h.organisation.id), eq(usageBuckets.meter, "api_calls")));
  return Number(row?.total ?? 0);
}

/** `api_calls` of the organisation this period, the in-memory buffer flushed first. */
async function apiCalls(h: SelfHostedHarness): Promise<number> {
  await h.deps.metering.flush();
  const summary = await h.deps.metering.summary(h.organisation.id);
  return summary.meters.find((m) => m.meter === "api_calls")?.used ?? 0;
}

/** The `tokens` series over [from, from + minutes) at minute granularity, read back over HTTP. */
async function tokenSeries(h: SelfHostedHarness, fromMs: number, minutes: number) {
  const query = new URLSearchParams({
    meter: "tokens",
    from: new Date(fromMs).toISOString(),
    to: new Date(fromMs + minutes * MINUTE_MS).toISOString(),
    granularity: "minute",
  });
  const res = await h.request(`/v1/usage?${query}`, { headers: bearer(h.organisation.secret) });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { meter: string; points: { start: string; value: number }[] };
  return body.points.filter((p) => p.value !== 0);
}

/** A minute well inside the late-event window, away from "now" so no test's events share it. */
const minuteAgo = (minutes: number) => Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - minutes * MINUTE_MS;

describe("self-hosted: platform deps without Redis, mounted for one organisation, over HTTP", () => {
  let h: SelfHostedHarness;
  beforeAll(async () => {
    h = await createSelfHostedHarness();
  });
  afterAll(() => h?.close());

  it("serves the organisation on the self_hosted plan, with its rate-limit headers and a request id", async () => {
    const res = await h.request("/v1/tenant", { headers: bearer(h.organisation.secret) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: h.organisation.id, plan: "self_hosted", status: "active" });
    // RATE_LIMIT_PER_SECOND 1,000 -> a burst of 2,000.
    expect(res.headers.get("RateLimit-Policy")).toMatch(/^"self_hosted";q=2000;w=\d+/);
    expect(res.headers.get("RateLimit")).toMatch(/^"self_hosted";r=\d+;t=\d+/);
    expect(res.headers.get("X-Request-Id")).toBeTruthy();
  });

  it("stores usage events before it answers and reads them back exactly, duplicates counted once", async () => {
    const start = minuteAgo(30);
    const events = [
      { id: "evt-a", meter: "tokens", quantity: 120, timestamp: new Date(start + 5_000).toISOString() },
      { id: "evt-b", meter: "tokens", quantity: 30, timestamp: new Date(start + MINUTE_MS).toISOString() },
      { id: "evt-c", meter: "tokens", quantity: 7, timestamp: start + 59_999 },
      { id: "evt-a", meter: "tokens", quantity: 999, timestamp: new Date(start).toISOString() },
    ];
    const res = await h.request("/v1/usage/events", {
      method: "POST",
      headers: json(h.organisation.secret),
      body: JSON.stringify({ events }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 3, duplicates: 1 });
    const stored = await h.t.db
      .select({ id: usageEvents.id, quantity: usageEvents.quantity })
      .from(usageEvents)
      .where(eq(usageEvents.tenantId, h.organisation.id));
    expect(stored.map((e) => [e.id, Number(e.quantity)]).sort()).toEqual([
      ["evt-a", 120],
      ["evt-b", 30],
      ["evt-c", 7],
    ]);
    expect(await tokenSeries(h, start, 3)).toEqual([
      { start: new Date(start).toISOString(), value: 127 },
      { start: new Date(start + MINUTE_MS).toISOString(), value: 30 },
    ]);

    const again = await h.request("/v1/usage/events", {
      method: "POST",
      headers: json(h.organisation.secret),
      body: JSON.stringify({ events: events.slice(0, 2) }),
    });
    expect(await again.json()).toEqual({ accepted: 0, duplicates: 2 });
    expect(await tokenSeries(h, start, 3)).toEqual([
      { start: new Date(start).toISOString(), value: 127 },
      { start: new Date(start + MINUTE_MS).toISOString(), value: 30 },
    ]);
  });

  it("replays a retry with the same Idempotency-Key from the database, counting neither usage nor the call twice", async () => {
    const start = minuteAgo(60);
    const body = JSON.stringify({
      events: [{ id: "evt-idem", meter: "tokens", quantity: 42, timestamp: start }],
    });
    const send = () =>
      h.request("/v1/usage/events", {
        method: "POST",
        headers: json(h.organisation.secret, { "Idempotency-Key": "retry-1" }),
        body,
      });
    const callsBefore = await apiCalls(h);
    const first = await send();
    expect(first.status).toBe(200);
    expect(first.headers.get("Idempotent-Replayed")).toBeNull();
    const firstBody = await first.json();
    expect(firstBody).toEqual({ accepted: 1, duplicates: 0 });

    const replay = await send();
    expect(replay.status).toBe(200);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    // A re-run would have answered {accepted: 0, duplicates: 1}: the first answer is replayed.
    expect(await replay.json()).toEqual(firstBody);
    expect((await apiCalls(h)) - callsBefore).toBe(1);
    expect(await tokenSeries(h, start, 1)).toEqual([{ start: new Date(start).toISOString(), value: 42 }]);

    // Without Redis the record lives in Postgres, scoped to the organisation.
    const [record] = await h.t.db
      .select({ scope: idempotencyKeys.scope, state: idempotencyKeys.state })
      .from(idempotencyKeys)
      .where(eq(idempotencyKeys.key, "retry-1"));
    expect(record).toEqual({ scope: h.organisation.id, state: "completed" });
  });

  it("refuses the same Idempotency-Key with another body (422 idempotency_key_mismatch) and stores nothing", async () => {
    const start = minuteAgo(90);
    const send = (quantity: number) =>
      h.request("/v1/usage/events", {
        method: "POST",
        headers: json(h.organisation.secret, { "Idempotency-Key": "retry-2" }),
        body: JSON.stringify({
          events: [{ id: `evt-mismatch-${quantity}`, meter: "tokens", quantity, timestamp: start }],
        }),
      });
    expect((await send(5)).status).toBe(200);
    const other = await send(6);
    expect(other.status).toBe(422);
    expect(other.headers.get("Content-Type")).toContain("application/problem+json");
    expect(await other.json()).toMatchObject({ status: 422, code: "idempotency_key_mismatch" });
    expect(await tokenSeries(h, start, 1)).toEqual([{ start: new Date(start).toISOString(), value: 5 }]);
  });

  it("answers bad input with 4xx problem+json carrying a stable code and the request id, never a 500", async () => {
    const secret = h.organisation.secret;
    const events = (list: unknown) => ({
      method: "POST",
      headers: json(secret),
      body: JSON.stringify({ events: list }),
    });
    const usage = (query: Record<string, string>) => `/v1/usage?${new URLSearchParams(query)}`;
    const cases: [name: string, path: string, init: RequestInit, status: number, code: string][] = [
      ["an empty batch", "/v1/usage/events", events([]), 400, "validation_failed"],
      [
        "an unknown meter",
        "/v1/usage/events",
        events([{ id: "x", meter: "nope" }]),
        400,
        "validation_failed",
      ],
      [
        "a negative quantity",
        "/v1/usage/events",
        events([{ id: "x", meter: "tokens", quantity: -1 }]),
        400,
        "validation_failed",
      ],
      [
        "an event from the future",
        "/v1/usage/events",
        events([{ id: "x", meter: "tokens", timestamp: Date.now() + 86_400_000 }]),
        400,
        "validation_failed",
      ],
      [
        "a body that is not JSON",
        "/v1/usage/events",
        { method: "POST", headers: json(secret), body: "{" },
        400,
        "bad_request",
      ],
      [
        "a body that is not declared JSON",
        "/v1/usage/events",
        { method: "POST", headers: { ...bearer(secret), "Content-Type": "text/plain" }, body: "{}" },
        415,
        "unsupported_media_type",
      ],
      [
        "an Idempotency-Key over 255 characters",
        "/v1/usage/events",
        {
          ...events([{ id: "x", meter: "tokens" }]),
          headers: json(secret, { "Idempotency-Key": "k".repeat(256) }),
        },
        400,
        "idempotency_key_invalid",
      ],
      [
        "a usage query without a range",
        usage({ meter: "tokens" }),
        { headers: bearer(secret) },
        400,
        "validation_failed",
      ],
      [
        "a usage range that ends before it starts",
        usage({ meter: "tokens", from: "2026-01-02T00:00:00Z", to: "2026-01-01T00:00:00Z" }),
        { headers: bearer(secret) },
        400,
        "validation_failed",
      ],
      ["no credentials", "/v1/tenant", {}, 401, "unauthorized"],
      ["an unknown key", "/v1/tenant", { headers: bearer(`sk_${"z".repeat(43)}`) }, 401, "unauthorized"],
      ["an unknown route", "/v1/no-such-route", { headers: bearer(secret) }, 404, "not_found"],
    ];
    for (const [name, path, init, status, code] of cases) {
      const res = await h.request(path, init);
      const body = (await res.json()) as Record<string, unknown>;
      expect({ name, status: res.status, type: res.headers.get("Content-Type"), code: body.code }).toEqual({
        name,
        status,
        type: expect.stringContaining("application/problem+json"),
        code,
      });
      expect(body).toMatchObject({
        status,
        title: expect.any(String),
        requestId: res.headers.get("X-Request-Id"),
      });
      expect(JSON.stringify(body)).not.toMatch(/\n\s+at /);
    }
  });

  it("holds a narrower key to its scopes and refuses another organisation's key", async () => {
    const reader = await h.deps.apiKeys.create(
      h.organisation.id,
      { name: "reader", scopes: ["usage:read"] },
      "test",
    );
    const write = await h.request("/v1/usage/events", {
      method: "POST",
      headers: json(reader.secret),
      body: JSON.stringify({ events: [{ id: "by-reader", meter: "tokens" }] }),
    });
    expect(write.status).toBe(403);
    expect(write.headers.get("WWW-Authenticate")).toContain('scope="usage:write"');
    expect(await write.json()).toMatchObject({ code: "insufficient_scope" });
    const read = await h.request("/v1/usage/summary", { headers: bearer(reader.secret) });
    expect(read.status).toBe(200);

    const strangerId = newId("tenant");
    await h.t.db.insert(tenants).values({
      id: strangerId,
      slug: "stranger",
      name: "stranger",
      email: "stranger@x.test",
      plan: "self_hosted",
      status: "active",
    });
    const stranger = await h.deps.apiKeys.create(strangerId, { name: "stranger", scopes: ["*"] }, "test");
    const foreign = await h.request("/v1/tenant", { headers: bearer(stranger.secret) });
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toMatchObject({ code: "tenant_mismatch" });
  });

  it("invalidates its tenant cache locally: a suspension through the admin API applies to the very next request", async () => {
    const tenant = () => h.request("/v1/tenant", { headers: bearer(h.organisation.secret) });
    const setStatus = (status: string) =>
      h.request(`/admin/tenants/${h.organisation.id}`, {
        method: "PATCH",
        headers: json(ADMIN_TOKEN),
        body: JSON.stringify({ status }),
      });
    expect((await tenant()).status).toBe(200); // cached as active
    expect((await setStatus("suspended")).status).toBe(200);
    const suspended = await tenant();
    expect(suspended.status).toBe(403);
    expect(await suspended.json()).toMatchObject({ code: "tenant_suspended" });
    expect((await setStatus("active")).status).toBe(200);
    expect((await tenant()).status).toBe(200);
  });
});

describe("self-hosted rate limiting (RATE_LIMIT_PER_SECOND=1: a burst of 2)", () => {
  let h: SelfHostedHarness;
  beforeAll(async () => {
    h = await createSelfHostedHarness({ ratePerSecond: 1 });
  });
  afterAll(() => h?.close());

  it("answers 429 rate_limited with Retry-After and the RateLimit headers once the burst is spent, and counts no refusal", async () => {
    const answers: Response[] = [];
    for (let i = 0; i < 6; i++)
      answers.push(await h.request("/v1/tenant", { headers: bearer(h.organisation.secret) }));
    const statuses = answers.map((r) => r.status);
    // The first two spend the burst; refilling one takes a second, far longer than six local requests.
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    const limited = answers.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(3);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    for (const res of limited) {
      expect(res.headers.get("Content-Type")).toContain("application/problem+json");
      expect(Number(res.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
      expect(res.headers.get("RateLimit-Policy")).toMatch(/^"self_hosted";q=2;w=\d+/);
      expect(res.headers.get("RateLimit")).toMatch(/^"self_hosted";r=0;t=\d+/);
      expect(await res.json()).toMatchObject({ status: 429, code: "rate_limited" });
    }
    expect(await apiCalls(h)).toBe(statuses.filter((s) => s === 200).length);
  });
});

describe("self-hosted shutdown", () => {
  let h: SelfHostedHarness;
  beforeAll(async () => {
    h = await createSelfHostedHarness();
  });
  afterAll(() => h?.close());

  it("writes every counted API call to Postgres when it closes: nothing counted is lost", async () => {
    const answers = await Promise.all(
      Array.from({ length: 25 }, () => h.request("/v1/tenant", { headers: bearer(h.organisation.secret) })),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(25).fill(200));
    const usage = await h.request("/v1/usage/events", {
      method: "POST",
      headers: json(h.organisation.secret),
      body: JSON.stringify({ events: [{ id: "last", meter: "tokens", quantity: 3 }] }),
    });
    expect(usage.status).toBe(200);

    await h.shutdown();

    expect(h.deps.metering.stats().bufferedUnits).toBe(0);
    expect(await storedApiCalls(h)).toBe(26);
  });
});
