import { createStripeFake, type StripeFake } from "@org/stripe-fake";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, type TestApi } from "../test/setup.js";

const json = (body: unknown, headers: Record<string, string>) => ({
  method: "POST",
  body: JSON.stringify(body),
  headers: { "Content-Type": "application/json", ...headers },
});

describe("the api's billing routes against the Stripe stand-in", () => {
  let fake: StripeFake;
  let api: TestApi;
  beforeAll(async () => {
    fake = createStripeFake({ webhookSecret: "whsec_api_billing" });
    await fake.start(0);
    api = await createTestApi({ STRIPE_SECRET_KEY: "sk_test_api", STRIPE_API_BASE: fake.url });
  });
  afterAll(async () => {
    await api?.close();
    await fake?.stop();
  });

  it("checks out, syncs eagerly on the success page, and shows usage and overage that match metering", async () => {
    const checkout = await api.app.request(
      "/v1/billing/checkout",
      json({ plan: "pro", interval: "month" }, { ...api.auth, "Idempotency-Key": "co-1" }),
    );
    expect(checkout.status).toBe(200);
    const { url, sessionId } = (await checkout.json()) as { url: string; sessionId: string };
    expect(url).toContain(sessionId);
    const replay = await api.app.request(
      "/v1/billing/checkout",
      json({ plan: "pro", interval: "month" }, { ...api.auth, "Idempotency-Key": "co-1" }),
    );
    expect(replay.headers.get("idempotent-replayed")).toBe("true");

    fake.completeCheckout(sessionId);
    const complete = await api.app.request(`/v1/billing/checkout/complete?session_id=${sessionId}`, {
      headers: api.auth,
    });
    expect(complete.status).toBe(200);
    expect(await complete.json()).toMatchObject({ plan: "pro", status: "active", interval: "month" });
    // The plan change reached the tenant cache: the next request already runs on pro.
    expect(await (await api.app.request("/v1/tenant", { headers: api.auth })).json()).toMatchObject({
      plan: "pro",
    });

    await api.app.request(
      "/v1/usage/events",
      json({ events: [{ id: "t1", meter: "tokens", quantity: 12_000_000 }] }, api.auth),
    );
    const view = (await (
      await api.app.request("/v1/billing/subscription", { headers: api.auth })
    ).json()) as {
      plan: string;
      usage: {
        meters: {
          meter: string;
          used: number;
          included: number | null;
          overage: number;
          overageCost: number;
        }[];
      };
    };
    const summary = await api.deps.metering.summary(api.deps.organisation.id);
    const tokens = view.usage.meters.find((m) => m.meter === "tokens")!;
    expect(tokens).toEqual(JSON.parse(JSON.stringify(summary.meters.find((m) => m.meter === "tokens"))));
    // The design's pro terms: 10M included, 2M extra at 2 per 1,000.
    expect(tokens).toMatchObject({
      used: 12_000_000,
      included: 10_000_000,
      overage: 2_000_000,
      overageCost: 4_000,
    });

    const second = await api.app.request(
      "/v1/billing/checkout",
      json({ plan: "enterprise", interval: "month" }, api.auth),
    );
    expect(second.status).toBe(409);
    expect(await second.json()).toMatchObject({ code: "subscription_exists" });
  });

  it("refuses another customer's checkout session and bad input", async () => {
    const foreign = await api.app.request("/v1/billing/checkout/complete?session_id=cs_test_not_ours", {
      headers: api.auth,
    });
    expect(foreign.status).toBe(404);
    const bad = await api.app.request(
      "/v1/billing/checkout",
      json({ plan: "gold", interval: "week" }, api.auth),
    );
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "validation_failed" });
    const unknown = await api.app.request(
      "/v1/billing/subscription/change",
      json({ plan: "gold" }, api.auth),
    );
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ code: "plan_not_found" });
  });

  it("changes, cancels and resumes through the routes, and lists invoices with a cursor", async () => {
    const up = await api.app.request(
      "/v1/billing/subscription/change",
      json({ plan: "enterprise", prorationBehavior: "always_invoice" }, api.auth),
    );
    expect(up.status).toBe(200);
    expect(await up.json()).toMatchObject({ change: "upgrade", subscription: { plan: "enterprise" } });
    const cancel = await api.app.request(
      "/v1/billing/subscription/cancel",
      json({ atPeriodEnd: true }, api.auth),
    );
    expect(await cancel.json()).toMatchObject({ cancelAtPeriodEnd: true, status: "active" });
    const resume = await api.app.request("/v1/billing/subscription/resume", json({}, api.auth));
    expect(await resume.json()).toMatchObject({ cancelAtPeriodEnd: false });
    const page = (await (
      await api.app.request("/v1/billing/invoices?limit=1", { headers: api.auth })
    ).json()) as {
      data: { id: string; amountPaid: number }[];
      nextCursor: string | null;
    };
    expect(page.data).toHaveLength(1);
    expect(page.nextCursor).not.toBeNull();
    const next = (await (
      await api.app.request(`/v1/billing/invoices?limit=1&cursor=${page.nextCursor}`, { headers: api.auth })
    ).json()) as {
      data: { id: string }[];
    };
    expect(next.data[0]?.id).not.toBe(page.data[0]?.id);
    expect((await api.app.request("/v1/billing/invoices?cursor=garbage", { headers: api.auth })).status).toBe(
      400,
    );
    const portal = await api.app.request(
      "/v1/billing/portal",
      json({ returnUrl: "https://acme.test/billing" }, api.auth),
    );
    expect(((await portal.json()) as { url: string }).url).toMatch(/^http/);
  });
});
