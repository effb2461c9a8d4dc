import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, bearer, createPlatformHarness, type PlatformHarness } from "../../test/harness.js";

interface Parameter {
  name: string;
  in: "path" | "query" | "header";
  required: boolean;
  schema: { default?: unknown };
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: { "application/json": { schema: unknown } } };
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  security?: Record<string, string[]>[];
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
}

/** Routes of the service around the v1 contract (server-kit's and the document's own), not part of it. */
const SERVICE_ROUTES = new Set(["/health", "/ready", "/metrics", "/openapi.json", "/docs"]);
/**
 * The docs page's own files (`/docs/assets/...`) are part of the page, not of the API; the admin
 * console's HTML pages and form posts (`/admin`, `/admin/login`, `/admin/logout`,
 * `/admin/console/...`) are a browser UI, not an API, and stay out of the document.
 */
const CONSOLE_ROUTES = new Set(["/admin", "/admin/login", "/admin/logout", "/admin/console"]);
const isServiceRoute = (path: string) =>
  SERVICE_ROUTES.has(path) ||
  path.startsWith("/docs/") ||
  CONSOLE_ROUTES.has(path) ||
  path.startsWith("/admin/console/");

/** `GET /v1/api-keys/{id}`: an operation as the document names it. */
const operationName = (method: string, path: string) =>
  `${method.toUpperCase()} ${path.replaceAll(/:(\w+)/g, "{$1}")}`;

/** The concrete routes the app registered (middleware and wildcards left out). */
function registeredOperations(app: PlatformHarness["app"]): Set<string> {
  return new Set(
    app.routes
      .filter((r) => r.method !== "ALL" && !r.path.includes("*") && !isServiceRoute(r.path))
      .map((r) => operationName(r.method, r.path)),
  );
}

function documentedOperations(doc: Document): Map<string, Operation> {
  const ops = new Map<string, Operation>();
  for (const [path, methods] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(methods)) ops.set(operationName(method, path), op);
  return ops;
}

describe("the OpenAPI document against the routes mountV1 registers", () => {
  let h: PlatformHarness;
  let doc: Document;
  let documented: Map<string, Operation>;

  beforeAll(async () => {
    h = await createPlatformHarness({ billing: true, admin: true, signup: true });
    doc = (await (await h.app.request("/openapi.json")).json()) as Document;
    documented = documentedOperations(doc);
  });
  afterAll(() => h?.close());

  it("documents every registered route with its method and path, and no route that is not registered", () => {
    const registered = registeredOperations(h.app);
    expect(registered.size).toBeGreaterThan(15);
    expect([...documented.keys()].sort()).toEqual([...registered].sort());
  });

  it("documents a schema for every answer of every operation, the problems included", () => {
    for (const [name, op] of documented) {
      const statuses = Object.keys(op.responses);
      expect(
        statuses.filter((s) => s.startsWith("2")),
        name,
      ).toHaveLength(1);
      for (const [status, answer] of Object.entries(op.responses)) {
        if (status === "204") continue;
        const media = status.startsWith("2") ? "application/json" : "application/problem+json";
        expect(answer.content?.[media]?.schema, `${name} ${status}`).toBeDefined();
      }
    }
  });

  it("declares the scope of every tenant operation, and the pipeline's refusals of it", () => {
    for (const [name, op] of documented) {
      if (name === "POST /v1/tenants") {
        expect(op.security ?? [], name).toEqual([]);
        expect(Object.keys(op.responses), name).toEqual(expect.arrayContaining(["400", "413", "415", "429"]));
      } else if (name.includes(" /admin/")) {
        expect(op.security, name).toEqual([{ adminToken: [] }]);
      } else {
        expect(op.security?.[0]?.bearerAuth?.[0], name).toMatch(/^[a-z_]+:(read|write)$/);
        expect(Object.keys(op.responses), name).toEqual(
          expect.arrayContaining(["401", "402", "403", "404", "429"]),
        );
      }
    }
  });

  it("documents Idempotency-Key on the mutating routes, required where the route refuses a request without one", () => {
    for (const [name, op] of documented) {
      const header = (op.parameters ?? []).find((p) => p.in === "header" && p.name === "Idempotency-Key");
      if (name.startsWith("GET ") || name.startsWith("PATCH /admin/")) expect(header, name).toBeUndefined();
      else expect(header, name).toMatchObject({ required: name === "POST /v1/tenants" });
    }
  });

  it("documents each path parameter the route reads", () => {
    for (const [name, op] of documented) {
      const fromPath = [...name.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect(
        (op.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name),
        name,
      ).toEqual(fromPath);
    }
  });

  it("answers the same with a defaulted query parameter left out as with its documented default", async () => {
    const tenant = await h.seedTenant();
    const day =
      Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()) - 86_400_000;
    const iso = (ms: number) => new Date(ms).toISOString();
    const sent = await h.app.request("/v1/usage/events", {
      method: "POST",
      headers: { ...bearer(tenant.secret), "Content-Type": "application/json" },
      body: JSON.stringify({
        events: [
          { id: "defaults-1", meter: "tokens", quantity: 5, timestamp: iso(day + 10.25 * 3_600_000) },
          { id: "defaults-2", meter: "tokens", quantity: 7, timestamp: iso(day + 14.75 * 3_600_000) },
        ],
      }),
    });
    expect(sent.status).toBe(200);

    /** Valid values of each operation's required query parameters; a new one must be added here. */
    const required: Record<string, Record<string, string>> = {
      "GET /v1/usage": { meter: "tokens", from: iso(day), to: iso(day + 86_400_000) },
      "GET /v1/billing/checkout/complete": { session_id: "cs_none" },
    };
    const headersOf = (name: string) => bearer(name.startsWith("GET /admin/") ? ADMIN_TOKEN : tenant.secret);
    let compared = 0;
    for (const [name, op] of documented) {
      const query = (op.parameters ?? []).filter((p) => p.in === "query");
      const defaulted = query.filter((p) => p.schema.default !== undefined);
      if (defaulted.length === 0) continue;
      const base = required[name] ?? {};
      for (const p of query.filter((q) => q.required))
        expect(base, `${name}: give a value of its required ${p.name}`).toHaveProperty([p.name]);
      const path = name.slice(name.indexOf(" ") + 1);
      const answer = async (params: Record<string, string>) => {
        const res = await h.app.request(`${path}?${new URLSearchParams(params)}`, {
          headers: headersOf(name),
        });
        return { status: res.status, body: await res.json() };
      };
      for (const p of defaulted) {
        const omitted = await answer(base);
        expect(omitted.status, `${name} without ${p.name}`).toBe(200);
        const explicit = await answer({ ...base, [p.name]: String(p.schema.default) });
        expect(omitted, `${name}: ${p.name} left out vs ${p.name}=${String(p.schema.default)}`).toEqual(
          explicit,
        );
        compared++;
      }
    }
    expect(compared).toBeGreaterThanOrEqual(4);
  });
});

describe("the OpenAPI document of a service without billing", () => {
  let h: PlatformHarness;
  beforeAll(async () => {
    h = await createPlatformHarness({ billing: false, admin: false });
  });
  afterAll(() => h?.close());

  it("documents the billing routes as answering 501, and they do", async () => {
    const tenant = await h.seedTenant();
    const doc = (await (await h.app.request("/openapi.json")).json()) as Document;
    const billing = [...documentedOperations(doc)].filter(([name]) => name.includes(" /v1/billing/"));
    expect(billing.length).toBeGreaterThan(5);
    for (const [name, op] of billing) {
      expect(op.responses, name).toHaveProperty(["501"]);
      const [method, path] = name.split(" ") as [string, string];
      const res = await h.app.request(path, {
        method,
        headers: { ...bearer(tenant.secret), "Content-Type": "application/json", "Idempotency-Key": name },
        ...(method === "GET" ? {} : { body: "{}" }),
      });
      expect(res.status, name).toBe(501);
      expect(await res.json(), name).toMatchObject({ code: "billing_not_configured" });
    }
  });

  it("lists neither signup nor admin routes when the service does not mount them", async () => {
    const doc = (await (await h.app.request("/openapi.json")).json()) as Document;
    const names = [...documentedOperations(doc).keys()];
    expect(names.filter((n) => n.includes("/admin/") || n === "POST /v1/tenants")).toEqual([]);
    const registered = [...registeredOperations(h.app)];
    expect(registered.filter((n) => n.includes("/admin/") || n === "POST /v1/tenants")).toEqual([]);
  });
});
