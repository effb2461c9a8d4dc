import { auditLog } from "@org/db";
import { createTestDb, type TestDb } from "@org/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signJwt } from "../src/index.js";
import { ADMIN_TOKEN, BASE_DOMAIN, bearer, createFixture, JWT_SECRET } from "./fixture.js";

let t: TestDb;
let f: ReturnType<typeof createFixture>;
beforeAll(async () => {
  t = await createTestDb();
  f = createFixture(t.db);
});
afterAll(async () => {
  await t.cleanup();
  f.answers.assertNone();
});

const url = (path: string, slug?: string) => `http://${slug ? `${slug}.` : ""}${BASE_DOMAIN}${path}`;
const exp = () => Math.floor(Date.now() / 1000) + 600;

describe("resolution", () => {
  it("resolves by API key, by Host + key, and by JWT", async () => {
    const a = await f.seedTenant("res-a");
    const texts: string[] = [];
    for (const target of [
      url("/v1/tenant"),
      url("/v1/tenant", "res-a"),
      "http://localhost/v1/tenant",
      "http://127.0.0.1/v1/tenant",
    ]) {
      const res = await f.app.request(target, { headers: bearer(a.secret) });
      expect(res.status, target).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/json");
      const text = await res.text();
      expect(JSON.parse(text)).toMatchObject({ id: a.id, slug: "res-a", status: "active", plan: "free" });
      texts.push(text);
    }
    // The first answer came from the database, the others from the cached tenant: the same bytes.
    expect(new Set(texts).size).toBe(1);
    const token = signJwt({ tid: a.id, sub: "u1", exp: exp(), scope: "tenant:read" }, JWT_SECRET);
    const res = await f.app.request(url("/v1/tenant", "res-a"), { headers: bearer(token) });
    expect(res.status).toBe(200);
  });

  it("lets the credentials alone decide on a reserved host (api., www., ...): it names no tenant", async () => {
    const a = await f.seedTenant("res-host");
    for (const host of ["api", "www", "app", "docs", "status"]) {
      const res = await f.app.request(url("/v1/tenant", host), { headers: bearer(a.secret) });
      expect(res.status, host).toBe(200);
      expect(await res.json()).toMatchObject({ slug: "res-host" });
    }
  });

  it("answers 401 without or with bad credentials", async () => {
    expect((await f.app.request(url("/v1/tenant"))).status).toBe(401);
    expect((await f.app.request(url("/v1/tenant"), { headers: bearer("sk_nope") })).status).toBe(401);
    expect((await f.app.request(url("/v1/tenant"), { headers: { Authorization: "Basic x" } })).status).toBe(
      401,
    );
    const expired = signJwt({ tid: "ten_x", exp: 1 }, JWT_SECRET);
    const res = await f.app.request(url("/v1/tenant"), { headers: bearer(expired) });
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
  });

  it("refuses credentials of another tenant than the Host names (403 tenant_mismatch), key or JWT", async () => {
    const a = await f.seedTenant("mis-a");
    await f.seedTenant("mis-b");
    const res = await f.app.request(url("/v1/tenant", "mis-b"), { headers: bearer(a.secret) });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: "tenant_mismatch" });
    const token = signJwt({ tid: a.id, exp: exp() }, JWT_SECRET);
    const res2 = await f.app.request(url("/v1/tenant", "mis-b"), { headers: bearer(token) });
    expect((await res2.json()) as object).toMatchObject({ code: "tenant_mismatch" });
  });

  it("enforces status on every request: suspended 403, deleted/pending/unknown 404", async () => {
    const s = await f.seedTenant("st-susp", "suspended");
    const d = await f.seedTenant("st-del", "deleted");
    const p = await f.seedTenant("st-pend", "pending");
    const expectCode = async (res: Response, status: number, code: string) => {
      expect(res.status).toBe(status);
      expect(await res.json()).toMatchObject({ code });
    };
    await expectCode(
      await f.app.request(url("/v1/tenant"), { headers: bearer(s.secret) }),
      403,
      "tenant_suspended",
    );
    await expectCode(
      await f.app.request(url("/v1/tenant"), { headers: bearer(d.secret) }),
      404,
      "tenant_not_found",
    );
    await expectCode(
      await f.app.request(url("/v1/tenant"), { headers: bearer(p.secret) }),
      404,
      "tenant_not_found",
    );
    const a = await f.seedTenant("st-live");
    await expectCode(
      await f.app.request(url("/v1/tenant", "nobody-here"), { headers: bearer(a.secret) }),
      404,
      "tenant_not_found",
    );
  });

  it("refuses a suspended tenant on its very next request after the admin PATCH", async () => {
    const a = await f.seedTenant("sus-now");
    expect((await f.app.request(url("/v1/tenant"), { headers: bearer(a.secret) })).status).toBe(200);
    const patch = await f.app.request(url(`/admin/tenants/${a.id}`), {
      method: "PATCH",
      headers: { ...bearer(ADMIN_TOKEN), "Content-Type": "application/json" },
      body: JSON.stringify({ status: "suspended" }),
    });
    expect(patch.status).toBe(200);
    expect(await patch.json()).toMatchObject({ status: "suspended" });
    const res = await f.app.request(url("/v1/tenant"), { headers: bearer(a.secret) });
    expect(res.status).toBe(403);
    const audit = await t.db.select().from(auditLog).where(eq(auditLog.tenantId, a.id));
    expect(audit.find((e) => e.action === "tenant.status_changed")).toMatchObject({
      actor: "admin",
      data: { from: "active", to: "suspended" },
    });
  });
});

describe("API key routes", () => {
  it("creates (secret shown once), lists without secrets, revokes (key refused at once), audits", async () => {
    const a = await f.seedTenant("keys-a");
    const created = await f.app.request(url("/v1/api-keys"), {
      method: "POST",
      headers: { ...bearer(a.secret), "Content-Type": "application/json" },
      body: JSON.stringify({ name: "ci" }),
    });
    expect(created.status).toBe(201);
    const key = (await created.json()) as { id: string; name: string; secret: string; createdAt: string };
    expect(key).toMatchObject({ name: "ci" });
    expect(key.secret).toMatch(/^sk_[0-9A-Za-z]{43}$/);
    expect((await f.app.request(url("/v1/tenant"), { headers: bearer(key.secret) })).status).toBe(200);

    const list = await f.app.request(url("/v1/api-keys"), { headers: bearer(a.secret) });
    const text = await list.text();
    expect(text).not.toContain(key.secret);
    expect((JSON.parse(text) as { data: { id: string }[] }).data.map((k) => k.id)).toContain(key.id);

    const del = await f.app.request(url(`/v1/api-keys/${key.id}`), {
      method: "DELETE",
      headers: bearer(a.secret),
    });
    expect(del.status).toBe(204);
    expect((await f.app.request(url("/v1/tenant"), { headers: bearer(key.secret) })).status).toBe(401);
    const again = await f.app.request(url(`/v1/api-keys/${key.id}`), {
      method: "DELETE",
      headers: bearer(a.secret),
    });
    expect(again.status).toBe(404);
  });

  it("validates the body as problem+json 400", async () => {
    const a = await f.seedTenant("keys-bad");
    const res = await f.app.request(url("/v1/api-keys"), {
      method: "POST",
      headers: { ...bearer(a.secret), "Content-Type": "application/json" },
      body: JSON.stringify({ name: "" }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "validation_failed" });
  });

  it("answers 415 for a body that is not JSON and 400 bad_request for malformed JSON", async () => {
    const a = await f.seedTenant("keys-media");
    const post = (contentType: string, body: string) =>
      f.app.request(url("/v1/api-keys"), {
        method: "POST",
        headers: { ...bearer(a.secret), "Content-Type": contentType },
        body,
      });
    const text = await post("text/plain", "name=ci");
    expect(text.status).toBe(415);
    expect(await text.json()).toMatchObject({ code: "unsupported_media_type" });
    const malformed = await post("application/json", "{");
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ code: "bad_request" });
    const missing = await post("application/json", "");
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ code: "validation_failed" });
  });

  it("refuses to give a new key scopes its creator lacks (403 insufficient_scope)", async () => {
    const a = await f.seedTenant("keys-escalate");
    const writer = await f.apiKeys.create(a.id, { name: "w", scopes: ["api_keys:write"] }, "test");
    const res = await f.app.request(url("/v1/api-keys"), {
      method: "POST",
      headers: { ...bearer(writer.secret), "Content-Type": "application/json" },
      body: JSON.stringify({ name: "more", scopes: ["usage:write"] }),
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: "insufficient_scope", scopes: ["usage:write"] });
  });

  it("enforces scopes", async () => {
    const a = await f.seedTenant("keys-scoped");
    const readOnly = await f.apiKeys.create(a.id, { name: "ro", scopes: ["api_keys:read"] }, "test");
    expect((await f.app.request(url("/v1/api-keys"), { headers: bearer(readOnly.secret) })).status).toBe(200);
    const res = await f.app.request(url("/v1/api-keys"), {
      method: "POST",
      headers: { ...bearer(readOnly.secret), "Content-Type": "application/json" },
      body: JSON.stringify({ name: "x" }),
    });
    expect(res.status).toBe(403);
  });
});

describe("admin routes", () => {
  it("needs the admin token", async () => {
    expect((await f.app.request(url("/admin/tenants"))).status).toBe(401);
    expect((await f.app.request(url("/admin/tenants"), { headers: bearer(`${ADMIN_TOKEN}x`) })).status).toBe(
      401,
    );
    expect((await f.app.request(url("/admin/tenants"), { headers: bearer(ADMIN_TOKEN) })).status).toBe(200);
  });

  it("checks the admin token before the request: no token and a bad body answer 401", async () => {
    const res = await f.app.request(url("/admin/tenants/ten_x"), {
      method: "PATCH",
      headers: { "Content-Type": "text/plain" },
      body: "nope",
    });
    expect(res.status).toBe(401);
    expect((await f.app.request(url("/admin/tenants?limit=0"))).status).toBe(401);
  });

  it("lists tenants a page at a time and validates the query", async () => {
    await f.seedTenant("adm-list-1", "suspended");
    await f.seedTenant("adm-list-2", "suspended");
    const list = (query: string) =>
      f.app.request(url(`/admin/tenants${query}`), { headers: bearer(ADMIN_TOKEN) });
    const first = await list("?status=suspended&limit=1");
    expect(first.status).toBe(200);
    const page = (await first.json()) as { data: { status: string }[]; nextCursor: string | null };
    expect(page.data).toHaveLength(1);
    expect(page.data[0]?.status).toBe("suspended");
    expect(page.nextCursor).toEqual(expect.any(String));
    const bad = await list("?limit=0");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "validation_failed" });
    expect((await list("?status=bogus")).status).toBe(400);
  });

  it("changes a plan, refuses an empty change (400), an unknown tenant (404) and a non-JSON body (415)", async () => {
    const p = await f.seedTenant("adm-plan");
    const patch = (id: string, body: string, contentType = "application/json") =>
      f.app.request(url(`/admin/tenants/${id}`), {
        method: "PATCH",
        headers: { ...bearer(ADMIN_TOKEN), "Content-Type": contentType },
        body,
      });
    const changed = await patch(p.id, JSON.stringify({ plan: "pro" }));
    expect(changed.status).toBe(200);
    expect(await changed.json()).toMatchObject({ id: p.id, plan: "pro" });
    const empty = await patch(p.id, "{}");
    expect(empty.status).toBe(400);
    expect(await empty.json()).toMatchObject({ code: "validation_failed" });
    expect((await patch("ten_nobody", JSON.stringify({ plan: "pro" }))).status).toBe(404);
    expect((await patch(p.id, "plan=pro", "application/x-www-form-urlencoded")).status).toBe(415);
  });

  it("refuses an invalid transition and an invalid status", async () => {
    const d = await f.seedTenant("adm-del", "deleted");
    const patch = (body: unknown) =>
      f.app.request(url(`/admin/tenants/${d.id}`), {
        method: "PATCH",
        headers: { ...bearer(ADMIN_TOKEN), "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    expect((await patch({ status: "active" })).status).toBe(409);
    expect((await patch({ status: "bogus" })).status).toBe(400);
    expect(() => createFixture(t.db).app).not.toThrow();
  });
});
