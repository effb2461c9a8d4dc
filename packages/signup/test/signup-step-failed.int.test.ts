/**
 * POST /v1/tenants when a step fails on an outage (Postgres refusing a write): 503
 * `service_unavailable` with Retry-After after the compensations, the cause handed to onStepError.
 * Real Postgres, the Stripe stand-in over HTTP through the official SDK.
 */
import { type BillingDeps, createStripeClient, loadPlanCatalog } from "@org/billing";
import { auditLog, tenants } from "@org/db";
import { createStripeFake, type StripeFake } from "@org/stripe-fake";
import { createTestDb, type TestDb } from "@org/testing";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type BillingPort,
  type SignupStepErrorInfo,
  signupBillingPort,
  signupTenantId,
} from "../src/index.js";
import { BASE_DOMAIN, createFixture } from "./fixture.js";

const RESUME_AFTER_MS = 2_000;
const urls: BillingDeps["urls"] = {
  checkoutSuccess: "https://app.test/done",
  checkoutCancel: "https://app.test/cancel",
  portalReturn: "https://app.test/",
};

let t: TestDb;
let fake: StripeFake;
let f: ReturnType<typeof createFixture>;
const stepErrors: [unknown, SignupStepErrorInfo][] = [];
const made: string[] = [];

beforeAll(async () => {
  t = await createTestDb();
  fake = createStripeFake({ webhookSecret: "whsec_signup_step_failed" });
  await fake.start(0);
  const stripe = createStripeClient({ secretKey: "sk_test_signup", apiBase: fake.url, maxNetworkRetries: 0 });
  const port = signupBillingPort({ stripe, catalog: loadPlanCatalog(), urls });
  // Records the customers the saga makes; every call still goes to the stand-in.
  const billing: BillingPort = {
    ...port,
    async createCustomer(input) {
      const customer = await port.createCustomer(input);
      made.push(customer.id);
      return customer;
    },
  };
  f = createFixture(t.db, {
    billing,
    signup: {
      resumeAfterMs: RESUME_AFTER_MS,
      stepTimeoutMs: 5_000,
      onStepError: (error, info) => stepErrors.push([error, info]),
    },
  });
});
afterEach(async () => {
  await t.db.execute(sql`drop trigger if exists outage on tenants`);
  await t.db.execute(sql`drop trigger if exists outage on api_keys`);
  await t.db.execute(sql`drop function if exists outage()`);
  fake.faults.clear();
  stepErrors.length = 0;
  made.length = 0;
});
afterAll(async () => {
  await fake?.stop();
  await t?.cleanup();
  f?.answers.assertNone();
});

/** Postgres refuses every insert into `table` until the trigger is dropped (afterEach). */
async function outageOn(table: "tenants" | "api_keys") {
  await t.db.execute(sql`
    create or replace function outage() returns trigger language plpgsql as $$
    begin raise exception 'outage injected'; end $$`);
  await t.db.execute(
    sql.raw(`create trigger outage before insert on ${table} for each row execute function outage()`),
  );
}

const input = (slug: string) => ({ name: `${slug} Inc`, slug, email: `owner@${slug}.test`, plan: "free" });
const post = (slug: string, key: string) =>
  f.app.request(`http://${BASE_DOMAIN}/v1/tenants`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "Idempotency-Key": key },
    body: JSON.stringify(input(slug)),
  });
const liveCustomersOf = (tenantId: string) =>
  fake.store
    .all("customer")
    .filter((c) => c.metadata?.tenant_id === tenantId)
    .map((c) => c.id);
const tenantRow = async (slug: string) =>
  (await t.db.select().from(tenants).where(eq(tenants.slug, slug)))[0];

describe("POST /v1/tenants when a step fails on an outage", () => {
  it("Postgres refuses the reservation: 503 service_unavailable with Retry-After, nothing made, the cause logged", async () => {
    await outageOn("tenants");
    const res = await post("down-reserve", "key-down-reserve");
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(res.headers.get("retry-after")).toBe("1");
    const body = (await res.json()) as { code: string; detail: string };
    expect(body).toMatchObject({ code: "service_unavailable", status: 503 });
    expect(body.detail).not.toContain("outage injected"); // the cause is logged, not shown
    expect(stepErrors).toHaveLength(1);
    // drizzle wraps the driver's error: the cause is Postgres's own message.
    expect(String((stepErrors[0]![0] as Error).cause)).toContain("outage injected");
    expect(stepErrors[0]?.[1]).toMatchObject({ step: "reserve", slug: "down-reserve", compensated: true });
    expect(made).toEqual([]);
    expect(await tenantRow("down-reserve")).toBeUndefined();
  });

  it("Postgres refuses the API key: the customer and the pending tenant are undone before the 503", async () => {
    await outageOn("api_keys");
    const key = "key-down-api-key";
    const tenantId = signupTenantId(key, input("down-key"));
    const res = await post("down-key", key);
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(await res.json()).toMatchObject({ code: "service_unavailable" });
    expect(stepErrors.map(([, info]) => info)).toEqual([
      { step: "api_key", tenantId, slug: "down-key", compensated: true },
    ]);
    // The customer was made at the stand-in, then deleted by the compensation.
    expect(made).toHaveLength(1);
    expect(fake.store.wasDeleted(made[0]!)).toBe("customer");
    expect(liveCustomersOf(tenantId)).toEqual([]);
    expect(await tenantRow("down-key")).toBeUndefined();
    const compensated = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.tenantId, tenantId), eq(auditLog.action, "tenant.signup_compensated")));
    expect(compensated).toHaveLength(1);

    // The outage is over: the same request (the 503 released its Idempotency-Key) now succeeds.
    await t.db.execute(sql`drop trigger outage on api_keys`);
    const retried = await post("down-key", key);
    expect(retried.status).toBe(201);
    expect(liveCustomersOf(tenantId)).toEqual([(await tenantRow("down-key"))?.stripeCustomerId]);
  });

  it("a compensation fails too: Retry-After is when the same request resumes the held signup, and then it does", async () => {
    await outageOn("api_keys");
    fake.faults.failNext(1, { path: "/v1/customers/", method: "DELETE" });
    const key = "key-down-twice";
    const tenantId = signupTenantId(key, input("down-twice"));
    const res = await post("down-twice", key);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ code: "service_unavailable" });
    expect(Number(res.headers.get("retry-after"))).toBe(RESUME_AFTER_MS / 1000);
    expect(stepErrors[0]?.[1]).toMatchObject({
      step: "api_key",
      compensated: false,
      compensationStep: "customer",
    });
    // Held for this request: pending, its customer still live.
    const held = await tenantRow("down-twice");
    expect(held).toMatchObject({ id: tenantId, status: "pending" });
    expect(liveCustomersOf(tenantId)).toEqual([held?.stripeCustomerId]);

    await t.db.execute(sql`drop trigger outage on api_keys`);
    // Before Retry-After the held signup is not resumed yet: the slug reads as taken.
    expect((await post("down-twice", key)).status).toBe(409);
    await new Promise((resolve) => setTimeout(resolve, RESUME_AFTER_MS + 50));
    const retried = await post("down-twice", key);
    expect(retried.status).toBe(201);
    const row = await tenantRow("down-twice");
    expect(row).toMatchObject({ id: tenantId, status: "active", stripeCustomerId: held?.stripeCustomerId });
    expect(liveCustomersOf(tenantId)).toEqual([held?.stripeCustomerId]);
  });
});
