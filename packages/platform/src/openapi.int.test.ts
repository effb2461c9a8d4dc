import {
  billingPreviewQuery,
  cancelBody,
  changeBody,
  checkoutBody,
  checkoutCompleteQuery,
  creditGrantBody,
  pageQuery,
  portalBody,
} from "@org/billing/hono";
import { adminTenantPatchBody, adminTenantsQuery, createKeyBody } from "@org/multitenancy/hono";
import { signupBody } from "@org/signup/hono";
import { usageAlertsBody, usageEventsBody, usageQuery } from "@org/usage-metering/hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ADMIN_TOKEN, bearer, createPlatformHarness, type PlatformHarness } from "../test/harness.js";

interface Parameter {
  name: string;
  in: "path" | "query" | "header";
  required: boolean;
  schema: { default?: unknown };
}
interface Operation {
  parameters: Parameter[];
  requestBody?: { content: { "application/json": { schema: unknown } } };
  responses: Record<string, unknown>;
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

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });

/** The query parameters of a query schema, as an OpenAPI document lists them. */
function queryParameters(schema: z.ZodObject): Parameter[] {
  const json = jsonSchema(schema) as {
    properties?: Record<string, Parameter["schema"]>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, prop]) => ({
    name,
    in: "query",
    required: json.required?.includes(name) ?? false,
    schema: prop,
  }));
}

/**
 * The schema each route validates its input with, as its package exports it. A route that takes a
 * query or a body and is missing here fails the test, so a new route cannot escape the comparison.
 */
const ROUTE_INPUTS: Record<string, { query?: z.ZodObject; body?: z.ZodType }> = {
  "POST /v1/tenants": { body: signupBody },
  "POST /v1/api-keys": { body: createKeyBody },
  "POST /v1/usage/events": { body: usageEventsBody },
  "GET /v1/usage": { query: usageQuery },
  "PUT /v1/usage/alerts": { body: usageAlertsBody },
  "POST /v1/billing/checkout": { body: checkoutBody },
  "GET /v1/billing/checkout/complete": { query: checkoutCompleteQuery },
  "POST /v1/billing/subscription/change": { body: changeBody },
  "POST /v1/billing/subscription/cancel": { body: cancelBody },
  "POST /v1/billing/portal": { body: portalBody },
  "GET /v1/billing/invoices": { query: pageQuery },
  "GET /v1/billing/payment-methods": { query: pageQuery },
  "GET /admin/tenants": { query: adminTenantsQuery },
  "PATCH /admin/tenants/{id}": { body: adminTenantPatchBody },
  "GET /v1/credits": { query: pageQuery },
  "GET /v1/billing/preview": { query: billingPreviewQuery },
  "POST /admin/tenants/{id}/credits": { body: creditGrantBody },
};

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

  it("documents each route's query and body with the schema the route validates them with", () => {
    for (const [name, op] of documented) {
      const inputs = ROUTE_INPUTS[name] ?? {};
      const query = op.parameters.filter((p) => p.in === "query");
      if (query.length > 0 || op.requestBody)
        expect(ROUTE_INPUTS, `${name} takes input: list its schema here`).toHaveProperty([name]);
      expect(query, `${name} query`).toEqual(inputs.query ? queryParameters(inputs.query) : []);
      expect(op.requestBody?.content["application/json"].schema, `${name} body`).toEqual(
        inputs.body ? jsonSchema(inputs.body) : undefined,
      );
    }
    expect([...documented.keys()]).toEqual(expect.arrayContaining(Object.keys(ROUTE_INPUTS)));
  });

  it("documents Idempotency-Key on the mutating routes, required where the route refuses a request without one", () => {
    for (const [name, op] of documented) {
      const header = op.parameters.find((p) => p.in === "header" && p.name === "Idempotency-Key");
      if (name.startsWith("GET ") || name.startsWith("PATCH /admin/")) expect(header, name).toBeUndefined();
      else expect(header, name).toMatchObject({ required: name === "POST /v1/tenants" });
    }
  });

  it("documents each path parameter the route reads", () => {
    for (const [name, op] of documented) {
      const fromPath = [...name.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect(
        op.parameters.filter((p) => p.in === "path").map((p) => p.name),
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
      const query = op.parameters.filter((p) => p.in === "query");
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
