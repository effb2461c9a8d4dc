import type { ProblemBody } from "@org/platform";
import type { InferRequestType, InferResponseType } from "hono/client";
import type { ExtractSchema } from "hono/types";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { BASE, type CloudHarness, createCloudHarness } from "../test/harness.js";
import { type AppType, createClient } from "./index.js";

type Client = ReturnType<typeof createClient<AppType>>;

/** The JSON the contract promises, written out by hand: a change to a schema or a body type fails tsc here. */
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
interface SignupJson {
  tenant: TenantJson;
  apiKey: { id: string; secret: string };
  checkoutUrl?: string;
}
interface UsageEventJson {
  id: string;
  meter: string;
  quantity?: number;
  timestamp?: string | number | Date;
  properties?: Record<string, unknown>;
}
interface MeterSummaryJson {
  meter: string;
  unit: string;
  used: number;
  included: number | null;
  overage: number;
  overageCost: number;
}

/** Every key of T, listed once (an excess or missing key fails tsc): the runtime body must have exactly these. */
const keysOf = <T>(keys: Record<keyof T, true>) => Object.keys(keys).sort();

/**
 * The v1 routes of the contract, which must all be mounted on the real app. The type assertion in
 * the test below fails tsc when the contract and this list disagree.
 */
const CONTRACT_ROUTES = [
  ["POST", "/v1/tenants"],
  ["GET", "/v1/tenant"],
  ["GET", "/v1/api-keys"],
  ["POST", "/v1/api-keys"],
  ["DELETE", "/v1/api-keys/:id"],
  ["POST", "/v1/usage/events"],
  ["GET", "/v1/usage"],
  ["GET", "/v1/usage/summary"],
  ["GET", "/v1/entitlements/:feature"],
  ["GET", "/v1/billing/subscription"],
  ["POST", "/v1/billing/checkout"],
  ["GET", "/v1/billing/checkout/complete"],
  ["POST", "/v1/billing/subscription/change"],
  ["POST", "/v1/billing/subscription/cancel"],
  ["POST", "/v1/billing/subscription/resume"],
  ["POST", "/v1/billing/portal"],
  ["GET", "/v1/billing/invoices"],
  ["GET", "/v1/billing/payment-methods"],
] as const;

type RoutesOf<S> = {
  [P in keyof S]: {
    [M in keyof S[P]]: readonly [Uppercase<M extends `$${infer X}` ? X : never>, P];
  }[keyof S[P]];
}[keyof S];

describe("the typed client (hc over AppType) against the real cloud-api", () => {
  let h: CloudHarness;
  let anonymous: Client;
  let acme: Client;
  let signedUp: SignupJson;

  beforeAll(async () => {
    h = await createCloudHarness();
    anonymous = createClient(`http://${BASE}`, { fetch: h.app.request });
  });
  afterAll(() => h?.close());

  it("mounts every route of the contract, and the contract lists no other", () => {
    expectTypeOf<(typeof CONTRACT_ROUTES)[number]>().toEqualTypeOf<RoutesOf<ExtractSchema<AppType>>>();
    const mounted = new Set(h.app.routes.map((r) => `${r.method} ${r.path}`));
    for (const [method, path] of CONTRACT_ROUTES)
      expect(mounted, `${method} ${path}`).toContain(`${method} ${path}`);
  });

  it("signs up with the body type of signupBody, and answers the typed 201 body", async () => {
    type SignupInput = InferRequestType<Client["v1"]["tenants"]["$post"]>;
    expectTypeOf<SignupInput["json"]>().toEqualTypeOf<{
      name: string;
      slug: string;
      email: string;
      plan: string;
      interval?: "month" | "year" | undefined;
    }>();
    expectTypeOf<SignupInput["header"]>().toEqualTypeOf<{ "Idempotency-Key": string }>();
    expectTypeOf<InferResponseType<Client["v1"]["tenants"]["$post"], 201>>().toEqualTypeOf<SignupJson>();

    const res = await anonymous.v1.tenants.$post({
      json: { name: "Acme", slug: "acme", email: "owner@acme.test", plan: "free" },
      header: { "Idempotency-Key": "client-signup-acme" },
    });
    expect(res.status).toBe(201);
    if (!res.ok) throw new Error(`signup answered ${res.status}`);
    expectTypeOf(res.status).toEqualTypeOf<201>();
    signedUp = await res.json();
    expect(Object.keys(signedUp).sort()).toEqual(["apiKey", "tenant"]);
    expect(signedUp.tenant).toMatchObject({ slug: "acme", name: "Acme", plan: "free", status: "active" });
    expect(Object.keys(signedUp.tenant).sort()).toEqual(
      keysOf<TenantJson>({
        id: true,
        slug: true,
        name: true,
        email: true,
        status: true,
        plan: true,
        createdAt: true,
        updatedAt: true,
      }),
    );
    expect(signedUp.apiKey.secret).toEqual(expect.any(String));
    acme = createClient(`http://acme.${BASE}`, {
      fetch: h.app.request,
      headers: { Authorization: `Bearer ${signedUp.apiKey.secret}` },
    });
  });

  it("GET /v1/tenant: the caller's tenant, typed as TenantView", async () => {
    expectTypeOf<InferResponseType<Client["v1"]["tenant"]["$get"], 200>>().toEqualTypeOf<TenantJson>();
    const res = await acme.v1.tenant.$get();
    expect(res.status).toBe(200);
    if (!res.ok) throw new Error(`tenant answered ${res.status}`);
    const tenant = await res.json();
    expectTypeOf(tenant).toEqualTypeOf<TenantJson>();
    expect(tenant).toEqual({ ...signedUp.tenant, updatedAt: expect.any(String) });
  });

  it("answers problem+json, typed as ProblemBody, when the request is refused", async () => {
    const res = await anonymous.v1.tenant.$get();
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    if (res.ok) throw new Error("an anonymous caller got a tenant");
    const problem = await res.json();
    expectTypeOf(problem).toEqualTypeOf<ProblemBody>();
    expect(problem).toMatchObject({
      status: 401,
      code: "unauthorized",
      requestId: expect.stringMatching(/^req_/),
    });

    // Input the schema refuses is refused by the types first, and by the server all the same.
    const bad = await acme.v1.usage.events.$post({
      // @ts-expect-error quantity must be a number (usageEventSchema)
      json: { events: [{ id: "x", meter: "tokens", quantity: "many" }] },
    });
    expect(bad.status).toBe(400);
    if (bad.ok) throw new Error("a bad event was accepted");
    expect(await bad.json()).toMatchObject({ code: "validation_failed", issues: expect.any(Array) });
  });

  it("POST /v1/usage/events: input from usageEventsBody, output {accepted, duplicates}", async () => {
    type EventsInput = InferRequestType<Client["v1"]["usage"]["events"]["$post"]>;
    expectTypeOf<EventsInput["json"]>().toEqualTypeOf<{ events: UsageEventJson[] }>();
    expectTypeOf<EventsInput["header"]>().toEqualTypeOf<{ "Idempotency-Key"?: string } | undefined>();
    expectTypeOf<InferResponseType<Client["v1"]["usage"]["events"]["$post"], 200>>().toEqualTypeOf<{
      accepted: number;
      duplicates: number;
    }>();

    const events = {
      events: [
        { id: "tok-1", meter: "tokens", quantity: 1_500 },
        { id: "tok-2", meter: "tokens" },
      ],
    };
    const first = await acme.v1.usage.events.$post({
      json: events,
      header: { "Idempotency-Key": "usage-1" },
    });
    expect(first.status).toBe(200);
    if (!first.ok) throw new Error(`events answered ${first.status}`);
    expect(await first.json()).toEqual({ accepted: 2, duplicates: 0 });
    const replay = await acme.v1.usage.events.$post({
      json: events,
      header: { "Idempotency-Key": "usage-1" },
    });
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    const again = await acme.v1.usage.events.$post({ json: events });
    if (!again.ok) throw new Error(`events answered ${again.status}`);
    expect(await again.json()).toEqual({ accepted: 0, duplicates: 2 });
  });

  it("GET /v1/usage and /v1/usage/summary: typed query and bodies", async () => {
    expectTypeOf<InferRequestType<Client["v1"]["usage"]["$get"]>["query"]>().toEqualTypeOf<{
      meter: string;
      from: string;
      to: string;
      granularity?: "minute" | "hour" | "day" | undefined;
    }>();
    expectTypeOf<InferResponseType<Client["v1"]["usage"]["$get"], 200>>().toEqualTypeOf<{
      meter: string;
      points: { start: string; value: number }[];
    }>();
    expectTypeOf<InferResponseType<Client["v1"]["usage"]["summary"]["$get"], 200>>().toEqualTypeOf<{
      period: { start: string; end: string };
      plan: string;
      currency: string;
      meters: MeterSummaryJson[];
    }>();

    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = new Date(Date.now() + 86_400_000).toISOString();
    const series = await acme.v1.usage.$get({ query: { meter: "tokens", from, to, granularity: "hour" } });
    expect(series.status).toBe(200);
    if (!series.ok) throw new Error(`usage answered ${series.status}`);
    const body = await series.json();
    expect(body.meter).toBe("tokens");
    expect(body.points.reduce((sum, p) => sum + p.value, 0)).toBe(1_501);
    expect(Object.keys(body.points[0]!).sort()).toEqual(["start", "value"]);

    const summary = await acme.v1.usage.summary.$get();
    if (!summary.ok) throw new Error(`summary answered ${summary.status}`);
    const s = await summary.json();
    expect(Object.keys(s).sort()).toEqual(["currency", "meters", "period", "plan"]);
    expect(s.plan).toBe("free");
    const tokens = s.meters.find((m) => m.meter === "tokens")!;
    expect(Object.keys(tokens).sort()).toEqual(
      keysOf<MeterSummaryJson>({
        meter: true,
        unit: true,
        used: true,
        included: true,
        overage: true,
        overageCost: true,
      }),
    );
    expect(tokens).toMatchObject({ used: 1_501, included: 100_000, overage: 0 });
  });

  it("entitlements and API keys: path params, 201 and 204", async () => {
    const ent = await acme.v1.entitlements[":feature"].$get({ param: { feature: "tokens" } });
    if (!ent.ok) throw new Error(`entitlements answered ${ent.status}`);
    const e = await ent.json();
    expectTypeOf(e).toEqualTypeOf<{
      feature: string;
      allowed: boolean;
      limit?: number;
      used?: number;
      remaining?: number;
    }>();
    expect(e).toMatchObject({ feature: "tokens", allowed: true, limit: 100_000, used: 1_501 });

    const created = await acme.v1["api-keys"].$post({ json: { name: "ci" } });
    expect(created.status).toBe(201);
    if (!created.ok) throw new Error(`api-keys answered ${created.status}`);
    const key = await created.json();
    expectTypeOf(key.scopes).toEqualTypeOf<string[]>();
    expect(key).toMatchObject({ name: "ci", secret: expect.any(String) });
    const list = await acme.v1["api-keys"].$get();
    if (!list.ok) throw new Error(`api-keys answered ${list.status}`);
    expect((await list.json()).data.map((k) => k.id)).toContain(key.id);
    const revoked = await acme.v1["api-keys"][":id"].$delete({ param: { id: key.id } });
    expect(revoked.status).toBe(204);
  });

  it("billing: the subscription with this period's usage, checkout, and invoices", async () => {
    const sub = await acme.v1.billing.subscription.$get();
    expect(sub.status).toBe(200);
    if (!sub.ok) throw new Error(`subscription answered ${sub.status}`);
    const view = await sub.json();
    expectTypeOf(view.usage.meters).toEqualTypeOf<MeterSummaryJson[]>();
    expectTypeOf(view.usage.period).toEqualTypeOf<{ start: string; end: string }>();
    expect(view).toMatchObject({ plan: "free", cancelAtPeriodEnd: false });
    // The same period as GET /v1/usage/summary, in the same form (ISO 8601).
    const summary = await acme.v1.usage.summary.$get();
    if (!summary.ok) throw new Error(`summary answered ${summary.status}`);
    expect(view.usage.period).toEqual((await summary.json()).period);
    expect(view.usage.period.start).toMatch(/^\d{4}-\d{2}-01T00:00:00\.000Z$/);

    expectTypeOf<InferRequestType<Client["v1"]["billing"]["checkout"]["$post"]>["json"]>().toEqualTypeOf<{
      plan: string;
      interval?: "month" | "year" | undefined;
    }>();
    const checkout = await acme.v1.billing.checkout.$post({ json: { plan: "pro" } });
    expect(checkout.status).toBe(200);
    if (!checkout.ok) throw new Error(`checkout answered ${checkout.status}`);
    const session = await checkout.json();
    expect(Object.keys(session).sort()).toEqual(["sessionId", "url"]);
    expect(session.sessionId).toMatch(/^cs_/);

    const invoices = await acme.v1.billing.invoices.$get({ query: { limit: 5 } });
    if (!invoices.ok) throw new Error(`invoices answered ${invoices.status}`);
    const page = await invoices.json();
    expectTypeOf(page.nextCursor).toEqualTypeOf<string | null>();
    expect(page).toEqual({ data: [], nextCursor: null });
  });
});
