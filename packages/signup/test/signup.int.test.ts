import { apiKeys, auditLog, stripeOperations, tenants } from "@org/db";
import { createTestDb, type TestDb } from "@org/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSignup, createSweeper } from "../src/index.js";
import { createFakeBilling, type FakeBilling } from "./fake-billing.js";
import { BASE_DOMAIN, bearer, createFixture } from "./fixture.js";

let t: TestDb;
let f: ReturnType<typeof createFixture>;
let billing: FakeBilling;
beforeAll(async () => {
  t = await createTestDb({ maxConnections: 20 });
  f = createFixture(t.db);
  billing = f.billing as FakeBilling;
});
afterAll(async () => {
  await t.cleanup();
  f.answers.assertNone();
});

const signup = (
  body: Record<string, unknown>,
  key: string | null = `k-${Math.random()}`,
  host = BASE_DOMAIN,
) =>
  f.app.request(`http://${host}/v1/tenants`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(key ? { "Idempotency-Key": key } : {}) },
    body: JSON.stringify(body),
  });
const input = (slug: string, plan = "free") => ({ name: `${slug} Inc`, slug, email: `${slug}@x.test`, plan });

describe("POST /v1/tenants", () => {
  it("signs up on the free plan: active tenant, a working API key shown once, a Stripe customer", async () => {
    const res = await signup(input("sign-free"));
    expect(res.status).toBe(201);
    const body = (await res.json()) as {
      tenant: { id: string; status: string; plan: string };
      apiKey: { id: string; secret: string };
      checkoutUrl?: string;
    };
    expect(body.tenant).toMatchObject({ slug: "sign-free", status: "active", plan: "free" });
    expect(body.checkoutUrl).toBeUndefined();
    expect(body.apiKey.secret).toMatch(/^sk_/);
    const [row] = await t.db.select().from(tenants).where(eq(tenants.id, body.tenant.id));
    expect(billing.live()).toContain(row?.stripeCustomerId);
    const me = await f.app.request(`http://sign-free.${BASE_DOMAIN}/v1/tenant`, {
      headers: bearer(body.apiKey.secret),
    });
    expect(me.status).toBe(200);
    const [key] = await t.db.select().from(apiKeys).where(eq(apiKeys.tenantId, body.tenant.id));
    expect(key?.hash).not.toContain(body.apiKey.secret);
    const audit = await t.db.select().from(auditLog).where(eq(auditLog.tenantId, body.tenant.id));
    expect(audit.map((a) => a.action).sort()).toEqual(["api_key.created", "tenant.created"]);
  });

  it("hands a paid plan to checkout: a checkout URL, the tenant on free until billing confirms", async () => {
    const res = await signup(input("sign-pro", "pro"));
    expect(res.status).toBe(201);
    const body = (await res.json()) as { tenant: { plan: string; status: string }; checkoutUrl: string };
    expect(body.checkoutUrl).toMatch(/^https:\/\/checkout\.test\/cs_/);
    expect(body.tenant).toMatchObject({ plan: "free", status: "active" });
  });

  it.each([
    [{ ...input("ab") }, 400, "slug_invalid"],
    [{ ...input("www") }, 400, "slug_invalid"],
    [{ ...input("Upper") }, 400, "slug_invalid"],
    [{ ...input("okslug"), plan: "platinum" }, 400, "plan_not_found"],
    [{ ...input("okslug"), email: "nope" }, 400, "validation_failed"],
  ])("refuses bad input %j with %i %s", async (body, status, code) => {
    const res = await signup(body);
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject({ code });
  });

  it("answers 415 for a body that is not JSON and 400 bad_request for malformed JSON", async () => {
    const post = (contentType: string, body: string) =>
      f.app.request(`http://${BASE_DOMAIN}/v1/tenants`, {
        method: "POST",
        headers: { "Content-Type": contentType, "Idempotency-Key": `k-${Math.random()}` },
        body,
      });
    const form = await post("application/x-www-form-urlencoded", "slug=acme");
    expect(form.status).toBe(415);
    expect(await form.json()).toMatchObject({ code: "unsupported_media_type" });
    const malformed = await post("application/json", "{");
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ code: "bad_request" });
  });

  it("answers 502 stripe_error when billing fails, and the slug stays free", async () => {
    billing.faults.createCustomer = ["error"];
    const failed = await signup(input("sign-502"));
    expect(failed.status).toBe(502);
    expect(await failed.json()).toMatchObject({ code: "stripe_error" });
    expect((await signup(input("sign-502"))).status).toBe(201);
  });

  it("answers 400 plan_not_found for a paid plan not sold at the requested interval, before any customer or tenant exists", async () => {
    billing.unsold.add("pro:year");
    try {
      const customersMade = billing.calls.createCustomer;
      const res = await signup({ ...input("sign-unsold", "pro"), interval: "year" });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({
        code: "plan_not_found",
        detail: expect.stringContaining("year"),
      });
      expect(billing.calls.createCustomer).toBe(customersMade);
      expect(await t.db.select().from(tenants).where(eq(tenants.slug, "sign-unsold"))).toEqual([]);
      expect((await signup({ ...input("sign-unsold", "pro"), interval: "month" })).status).toBe(201);
    } finally {
      billing.unsold.delete("pro:year");
    }
  });

  it("answers 409 conflict when the sweeper takes the signup over mid-way, leaving no tenant and no live customer", async () => {
    const claimed = createFakeBilling();
    const sweeper = createSweeper({
      db: t.db,
      billing: claimed,
      now: () => new Date(Date.now() + 3_600_000),
    });
    // The sweeper claims and compensates the pending row while the checkout session is being made.
    const createCheckoutSession = claimed.createCheckoutSession.bind(claimed);
    claimed.createCheckoutSession = async (request) => {
      const [row] = await t.db.select().from(tenants).where(eq(tenants.id, request.tenantId));
      expect(await sweeper.compensate(row!)).toBe(true);
      return createCheckoutSession(request);
    };
    const swept = createFixture(t.db, { billing: claimed });
    const res = await swept.app.request(`http://${BASE_DOMAIN}/v1/tenants`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": "k-swept" },
      body: JSON.stringify(input("sign-swept", "pro")),
    });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ code: "conflict" });
    expect(await t.db.select().from(tenants).where(eq(tenants.slug, "sign-swept"))).toEqual([]);
    expect(claimed.live()).toEqual([]);
    swept.answers.assertNone();
  });

  it("requires an Idempotency-Key", async () => {
    const res = await signup(input("no-key"), null);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "idempotency_key_missing" });
  });

  it("is not served on a tenant's Host", async () => {
    expect((await signup(input("on-host"), "k", `acme.${BASE_DOMAIN}`)).status).toBe(404);
  });

  it("100 concurrent signups for one slug with different keys: one tenant, 99 x 409 slug_taken, one customer", async () => {
    const customersBefore = billing.live().length;
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => signup(input("race-slug"), `race-${i}`)),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(99);
    const bodies = await Promise.all(results.filter((r) => r.status === 409).map((r) => r.json()));
    expect(bodies.every((b) => (b as { code: string }).code === "slug_taken")).toBe(true);
    expect(await t.db.select().from(tenants).where(eq(tenants.slug, "race-slug"))).toHaveLength(1);
    expect(billing.live().length - customersBefore).toBe(1);
  });

  it("100 concurrent signups with one Idempotency-Key: one tenant, one customer, the rest replayed or 409 in use", async () => {
    const customersBefore = billing.live().length;
    const results = await Promise.all(
      Array.from({ length: 100 }, () => signup(input("same-key"), "one-key")),
    );
    const created = results.filter((r) => r.status === 201);
    const inUse = results.filter((r) => r.status === 409);
    expect(created.length + inUse.length).toBe(100);
    expect(created.length).toBeGreaterThanOrEqual(1);
    for (const r of inUse) expect(await r.json()).toMatchObject({ code: "idempotency_key_in_use" });
    const answers = await Promise.all(
      created.map(async (r) => ({
        replayed: r.headers.get("idempotent-replayed") === "true",
        body: (await r.json()) as { apiKey: { secret: string | null } },
      })),
    );
    const [live, ...others] = answers.filter((a) => !a.replayed);
    expect(others).toHaveLength(0);
    expect(live?.body.apiKey.secret).toMatch(/^sk_/);
    // Replays are the first answer with the once-shown secret redacted (never stored in clear).
    const redacted = { ...live?.body, apiKey: { ...live?.body.apiKey, secret: null } };
    for (const a of answers) if (a.replayed) expect(a.body).toEqual(redacted);
    expect(await t.db.select().from(tenants).where(eq(tenants.slug, "same-key"))).toHaveLength(1);
    expect(billing.live().length - customersBefore).toBe(1);
    expect(billing.calls.createCustomer).toBeGreaterThan(0);
    // A later retry replays the same tenant and key id; the secret is not shown again.
    const retry = await signup(input("same-key"), "one-key");
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.headers.get("idempotent-redacted")).toBe('"/apiKey/secret"');
    expect(await retry.json()).toEqual(redacted);
  });

  it("the same Idempotency-Key with another body is refused (422 idempotency_key_mismatch)", async () => {
    expect((await signup(input("mm-one"), "mm-key")).status).toBe(201);
    const res = await signup(input("mm-two"), "mm-key");
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ code: "idempotency_key_mismatch" });
  });

  it("without the idempotency middleware, 100 concurrent same-key signups still make one tenant and one customer", async () => {
    const bare = createSignup({ db: t.db, bus: f.bus, billing, apiKeys: f.apiKeys });
    const customersBefore = billing.live().length;
    const results = await Promise.all(
      Array.from({ length: 100 }, () =>
        bare.run({ ...input("no-mw"), interval: "month" }, { requestKey: "k" }),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok)).toHaveLength(99);
    expect(await t.db.select().from(tenants).where(eq(tenants.slug, "no-mw"))).toHaveLength(1);
    expect(billing.live().length - customersBefore).toBe(1);
  });

  it("a repeated signup of an active tenant is not resumed: no second key is handed out", async () => {
    const bare = createSignup({ db: t.db, bus: f.bus, billing, apiKeys: f.apiKeys });
    await bare.run({ ...input("done-once"), interval: "month" }, { requestKey: "k-done" });
    await expect(
      bare.run({ ...input("done-once"), interval: "month" }, { requestKey: "k-done" }),
    ).resolves.toMatchObject({ ok: false, reason: "slug_taken" });
  });

  it("409 slug_taken for a slug already in use", async () => {
    await f.seedTenant("taken-one");
    const res = await signup(input("taken-one"));
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ code: "slug_taken" });
  });

  it("records the customer creation in stripe_operations with one idempotency key", async () => {
    const res = await signup(input("ops-check"));
    const { tenant } = (await res.json()) as { tenant: { id: string } };
    const ops = await t.db.select().from(stripeOperations).where(eq(stripeOperations.stableId, tenant.id));
    expect(ops).toHaveLength(1);
    expect(ops[0]).toMatchObject({ operation: "customer:create", state: "completed" });
  });
});
