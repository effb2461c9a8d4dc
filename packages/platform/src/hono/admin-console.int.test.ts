import { insertEvent } from "@org/billing";
import { newId, stripeWebhookEvents, subscriptionTransitions } from "@org/db";
import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, bearer, createPlatformHarness, type PlatformHarness } from "../../test/harness.js";

/** The cookies a response sets, as `name=value` pairs for the next request's Cookie header. */
const cookiesOf = (res: Response) =>
  res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0]!)
    .filter((c) => !c.endsWith("="));
const csrfIn = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? "";
const form = (fields: Record<string, string>) => ({
  "Content-Type": "application/x-www-form-urlencoded",
  body: new URLSearchParams(fields).toString(),
});

describe("the admin console mounted by mountV1", () => {
  let h: PlatformHarness;

  beforeAll(async () => {
    h = await createPlatformHarness({ billing: false, admin: true });
  }, 120_000);
  afterAll(() => h?.close());

  async function login(token = ADMIN_TOKEN) {
    const page = await h.app.request("/admin/login");
    const loginCookie = cookiesOf(page);
    const { body, ...headers } = form({ token, csrf: csrfIn(await page.text()) });
    return h.app.request("/admin/login", {
      method: "POST",
      headers: { ...headers, Cookie: loginCookie.join("; ") },
      body,
    });
  }

  async function session() {
    const res = await login();
    expect(res.status).toBe(303);
    const cookie = cookiesOf(res).join("; ");
    const page = await h.app.request("/admin/console", { headers: { Cookie: cookie } });
    return { cookie, csrf: csrfIn(await page.text()) };
  }

  it("sends a browser without a session to the login form", async () => {
    const res = await h.app.request("/admin/console");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin/login");
  });

  it("logs in with the admin token into an HttpOnly, SameSite=Strict session cookie, and refuses a wrong token", async () => {
    const wrong = await login("x".repeat(40));
    expect(wrong.status).toBe(401);
    expect(cookiesOf(wrong).some((c) => c.startsWith("admin_console_session="))).toBe(false);

    const res = await login();
    expect(res.status).toBe(303);
    const set = res.headers.getSetCookie().find((c) => c.startsWith("admin_console_session="))!;
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    expect(set).toMatch(/Path=\/admin/);
    expect(set).not.toMatch(/Secure/);
    const page = await h.app.request("/admin/console", { headers: { Cookie: cookiesOf(res).join("; ") } });
    expect(page.status).toBe(200);
    const nonce = /style-src 'nonce-([^']+)'/.exec(page.headers.get("content-security-policy") ?? "")?.[1];
    const html = await page.text();
    expect(html).toContain("<h1>Tenants</h1>");
    // The only <style> carries the nonce the CSP names (else the browser drops the page's styles).
    expect(html.match(/<style[^>]*>/g)).toEqual([`<style nonce="${nonce}">`]);
  });

  it("marks the session cookie Secure behind https", async () => {
    const page = await h.app.request("https://console.test/admin/login");
    const { body, ...headers } = form({ token: ADMIN_TOKEN, csrf: csrfIn(await page.text()) });
    const res = await h.app.request("https://console.test/admin/login", {
      method: "POST",
      headers: { ...headers, Cookie: cookiesOf(page).join("; ") },
      body,
    });
    expect(res.headers.getSetCookie().find((c) => c.startsWith("admin_console_session="))).toMatch(/Secure/);
  });

  it("refuses a login without the login form's CSRF token: 403 csrf_failed", async () => {
    const { body, ...headers } = form({ token: ADMIN_TOKEN, csrf: "forged" });
    const res = await h.app.request("/admin/login", { method: "POST", headers, body });
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(await res.json()).toMatchObject({ code: "csrf_failed" });
  });

  it("rejects a forged or tampered session cookie", async () => {
    const { cookie } = await session();
    const tampered = cookie.replace(/admin_console_session=([^.]+)\.(\d+)/, (_m, id, exp) => {
      return `admin_console_session=${id}.${Number(exp) + 1}`;
    });
    const res = await h.app.request("/admin/console", { headers: { Cookie: tampered } });
    expect(res.status).toBe(303);
  });

  it("replays an event with the session's CSRF token, and refuses the same post without it", async () => {
    await insertEvent(h.deps.db, {
      id: "evt_console_1",
      type: "customer.subscription.updated",
      created: 1_700_000_000,
      data: { object: { id: "sub_1", object: "subscription", customer: "cus_1" } },
    } as never);
    await h.deps.db
      .update(stripeWebhookEvents)
      .set({ status: "dead", attempts: 8, lastError: "boom" })
      .where(eq(stripeWebhookEvents.id, "evt_console_1"));
    const { cookie, csrf } = await session();
    const replayUrl = "/admin/console/webhook-events/evt_console_1/replay";

    const noToken = await h.app.request(replayUrl, { method: "POST", headers: { Cookie: cookie } });
    expect(noToken.status).toBe(403);
    expect(await noToken.json()).toMatchObject({ code: "csrf_failed" });
    const { body, ...headers } = form({ csrf: "A".repeat(43) });
    const wrong = await h.app.request(replayUrl, {
      method: "POST",
      headers: { ...headers, Cookie: cookie },
      body,
    });
    expect(wrong.status).toBe(403);
    const noSession = await h.app.request(replayUrl, { method: "POST", ...form({ csrf }) });
    expect(noSession.status).toBe(401);
    const [still] = await h.deps.db
      .select()
      .from(stripeWebhookEvents)
      .where(eq(stripeWebhookEvents.id, "evt_console_1"));
    expect(still?.status).toBe("dead");

    const ok = form({ csrf });
    const res = await h.app.request(`${replayUrl}?back=/admin/console/dead-letters`, {
      method: "POST",
      headers: { "Content-Type": ok["Content-Type"], Cookie: cookie },
      body: ok.body,
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin/console/dead-letters");
    const [row] = await h.deps.db
      .select()
      .from(stripeWebhookEvents)
      .where(eq(stripeWebhookEvents.id, "evt_console_1"));
    expect(row).toMatchObject({ status: "pending", attempts: 0 });
  });

  it("replays every dead event with the session's CSRF token, and refuses the same post without it", async () => {
    const ids = ["evt_console_dead_a", "evt_console_dead_b"];
    for (const id of ids) {
      await insertEvent(h.deps.db, {
        id,
        type: "invoice.payment_failed",
        created: 1_700_000_000,
        data: { object: { id: `in_${id}`, object: "invoice", customer: "cus_1" } },
      } as never);
      await h.deps.db
        .update(stripeWebhookEvents)
        .set({ status: "dead", attempts: 8, lastError: "boom" })
        .where(eq(stripeWebhookEvents.id, id));
    }
    const statuses = async () =>
      (await h.deps.db.select().from(stripeWebhookEvents).where(inArray(stripeWebhookEvents.id, ids))).map(
        (e) => e.status,
      );
    const { cookie, csrf } = await session();
    const replayDeadUrl = "/admin/console/webhook-events/replay-dead";

    const noToken = await h.app.request(replayDeadUrl, { method: "POST", headers: { Cookie: cookie } });
    expect(noToken.status).toBe(403);
    expect(await noToken.json()).toMatchObject({ code: "csrf_failed" });
    const forged = form({ csrf: "A".repeat(43) });
    const wrong = await h.app.request(replayDeadUrl, {
      method: "POST",
      headers: { "Content-Type": forged["Content-Type"], Cookie: cookie },
      body: forged.body,
    });
    expect(wrong.status).toBe(403);
    const noSession = await h.app.request(replayDeadUrl, { method: "POST", ...form({ csrf }) });
    expect(noSession.status).toBe(401);
    expect(await statuses()).toEqual(["dead", "dead"]);

    const ok = form({ csrf });
    const res = await h.app.request(`${replayDeadUrl}?back=/admin/console/dead-letters`, {
      method: "POST",
      headers: { "Content-Type": ok["Content-Type"], Cookie: cookie },
      body: ok.body,
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin/console/dead-letters");
    expect(await statuses()).toEqual(["pending", "pending"]);
  });

  it("logs out: the cookie is cleared, and a logout needs the CSRF token too", async () => {
    const { cookie, csrf } = await session();
    const forged = await h.app.request("/admin/logout", { method: "POST", headers: { Cookie: cookie } });
    expect(forged.status).toBe(403);
    const ok = form({ csrf });
    const res = await h.app.request("/admin/logout", {
      method: "POST",
      headers: { "Content-Type": ok["Content-Type"], Cookie: cookie },
      body: ok.body,
    });
    expect(res.status).toBe(303);
    expect(res.headers.getSetCookie().find((c) => c.startsWith("admin_console_session="))).toMatch(
      /Max-Age=0/,
    );
  });

  it("answers bad input with 400 validation_failed, and keeps the JSON admin routes on the bearer token", async () => {
    const { cookie } = await session();
    const bad = await h.app.request("/admin/console/webhook-events?status=nope", {
      headers: { Cookie: cookie },
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "validation_failed" });
    const json = await h.app.request("/admin/tenants", { headers: bearer(ADMIN_TOKEN) });
    expect(json.status).toBe(200);
    const withCookieOnly = await h.app.request("/admin/tenants", { headers: { Cookie: cookie } });
    expect(withCookieOnly.status).toBe(401);
  });

  it("shows a tenant's subscription status transitions in its state history", async () => {
    const { cookie } = await session();
    const tenant = await h.seedTenant("pro");
    await h.t.db.insert(subscriptionTransitions).values([
      {
        id: newId("subscriptionTransition"),
        tenantId: tenant.id,
        stripeSubscriptionId: "sub_x",
        fromStatus: null,
        toStatus: "trialing",
        plan: "pro",
        at: new Date("2026-01-01T00:00:00Z"),
      },
      {
        id: newId("subscriptionTransition"),
        tenantId: tenant.id,
        stripeSubscriptionId: "sub_x",
        fromStatus: "trialing",
        toStatus: "active",
        plan: "pro",
        at: new Date("2026-01-15T00:00:00Z"),
      },
    ]);
    const page = await h.app.request(`/admin/console/tenants/${tenant.id}`, { headers: { Cookie: cookie } });
    expect(page.status).toBe(200);
    const html = await page.text();
    const first = html.indexOf("subscription sub_x: (new) → trialing");
    const second = html.indexOf("subscription sub_x: trialing → active");
    expect(first).toBeGreaterThan(-1);
    expect(second).toBeGreaterThan(first);
  });
});
