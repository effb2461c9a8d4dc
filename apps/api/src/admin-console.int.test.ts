import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, type TestApi } from "../test/setup.js";

const ADMIN_TOKEN = "admin-token-for-the-console-tests-000";

/** The cookies a response sets, as `name=value` pairs for the next request's Cookie header. */
const cookiesOf = (res: Response) =>
  res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0]!)
    .filter((c) => !c.endsWith("="));
const csrfIn = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? "";

describe("the self-hosted api's admin console", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({ ADMIN_TOKEN });
  });
  afterAll(() => api?.close());

  it("sends a browser without a session to the login form", async () => {
    const res = await api.app.request("/admin/console");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin/login");
    const login = await api.app.request("/admin/login");
    expect(login.status).toBe(200);
    expect(await login.text()).toContain('name="token"');
  });

  it("logs in with the admin token and lists the one organisation with its usage", async () => {
    const sent = await api.app.request("/v1/usage/events", {
      method: "POST",
      headers: { ...api.auth, "Content-Type": "application/json" },
      body: JSON.stringify({
        events: [
          { id: "console-1", meter: "tokens", quantity: 1_200 },
          { id: "console-2", meter: "tokens", quantity: 34 },
        ],
      }),
    });
    expect(sent.status).toBe(200);

    const form = await api.app.request("/admin/login");
    const login = await api.app.request("/admin/login", {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Cookie: cookiesOf(form).join("; "),
      },
      body: new URLSearchParams({ token: ADMIN_TOKEN, csrf: csrfIn(await form.text()) }).toString(),
    });
    expect(login.status).toBe(303);
    expect(login.headers.get("location")).toBe("/admin/console");
    const session = cookiesOf(login).join("; ");
    expect(session).toContain("admin_console_session=");

    const page = await api.app.request("/admin/console", { headers: { Cookie: session } });
    expect(page.status).toBe(200);
    const html = await page.text();
    const rows = html.match(/<tr data-tenant="[^"]+">[\s\S]*?<\/tr>/g) ?? [];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain('<div class="muted">default</div>');
    expect(rows[0]).toContain("self_hosted");
    // self_hosted has no quota: the tokens cell shows the period's total alone.
    expect(rows[0]).toContain("<span>1,234</span>");
  });
});
