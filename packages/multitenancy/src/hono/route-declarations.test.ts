import type { z } from "@hono/zod-openapi";
import type { Database } from "@org/db";
import { apiDocument } from "@org/server-kit/hono";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { ApiKeyService, ApiKeyView, CreatedApiKey } from "../api-keys.js";
import { createLocalBus } from "../cache/bus.js";
import { type TenantView, tenantView } from "../tenants.js";
import { adminRoutes } from "./admin-routes.js";
import {
  type ApiKeyList,
  type createdApiKeySchema,
  TENANT_ROUTE_SCOPES,
  tenantRoutes,
} from "./tenant-routes.js";
import { type apiKeyViewSchema, tenantViewSchema } from "./views.js";

// Building the routers touches neither the database nor the key service.
const doc = apiDocument(
  [
    tenantRoutes({ db: {} as Database, apiKeys: {} as ApiKeyService }),
    adminRoutes({ db: {} as Database, bus: createLocalBus(), adminToken: "a".repeat(32) }),
  ],
  { title: "multitenancy" },
);
type Operation = {
  security?: Record<string, string[]>[];
  responses?: Record<string, unknown>;
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: unknown;
};
const operation = (method: string, path: string) =>
  (doc.paths?.[path] as Record<string, Operation> | undefined)?.[method.toLowerCase()];
const statuses = (method: string, path: string) =>
  Object.keys(operation(method, path)?.responses ?? {}).sort();

describe("the tenant routes' declarations", () => {
  it("declare for every route the scope TENANT_ROUTE_SCOPES gives it", () => {
    for (const [key, scope] of Object.entries(TENANT_ROUTE_SCOPES)) {
      const [method = "", path = ""] = key.split(" ");
      const declared = operation(method, path.replaceAll(/:(\w+)/g, "{$1}"));
      expect(declared?.security, key).toEqual([{ bearerAuth: [scope] }]);
    }
  });

  it("declare the statuses each route answers itself, with their bodies", () => {
    expect(statuses("GET", "/v1/tenant")).toEqual(["200", "404"]);
    expect(statuses("POST", "/v1/api-keys")).toEqual(["201", "400", "403", "415"]);
    expect(statuses("GET", "/v1/api-keys")).toEqual(["200"]);
    expect(statuses("DELETE", "/v1/api-keys/{id}")).toEqual(["204", "404"]);
    expect(Object.keys(doc.components?.schemas ?? {})).toEqual(
      expect.arrayContaining(["TenantView", "ApiKeyView", "ApiKeyList", "CreatedApiKey", "Problem"]),
    );
    expect(operation("POST", "/v1/api-keys")?.responses?.["201"]).toMatchObject({
      content: { "application/json": { schema: { $ref: "#/components/schemas/CreatedApiKey" } } },
    });
  });

  it("declare an optional Idempotency-Key on the routes that change something", () => {
    for (const [method, path] of [
      ["POST", "/v1/api-keys"],
      ["DELETE", "/v1/api-keys/{id}"],
    ] as const) {
      expect(operation(method, path)?.parameters).toEqual(
        expect.arrayContaining([expect.objectContaining({ name: "Idempotency-Key", required: false })]),
      );
    }
  });
});

describe("the admin routes' declarations", () => {
  it("declare the admin token, their query, body and statuses", () => {
    expect(operation("GET", "/admin/tenants")?.security).toEqual([{ adminToken: [] }]);
    expect(operation("PATCH", "/admin/tenants/{id}")?.security).toEqual([{ adminToken: [] }]);
    expect(
      operation("GET", "/admin/tenants")
        ?.parameters?.map((p) => p.name)
        .sort(),
    ).toEqual(["cursor", "limit", "status"]);
    expect(operation("PATCH", "/admin/tenants/{id}")?.requestBody).toBeDefined();
    expect(statuses("GET", "/admin/tenants")).toEqual(["200", "400", "401"]);
    expect(statuses("PATCH", "/admin/tenants/{id}")).toEqual(["200", "400", "401", "404", "409", "415"]);
    expect(doc.components?.schemas?.AdminTenantList).toBeDefined();
  });
});

describe("the response schemas", () => {
  it("are the types the package already exported for these bodies", () => {
    expectTypeOf<z.infer<typeof tenantViewSchema>>().toEqualTypeOf<TenantView>();
    expectTypeOf<z.infer<typeof apiKeyViewSchema>>().toEqualTypeOf<ApiKeyView>();
    expectTypeOf<ApiKeyList>().toEqualTypeOf<{ data: ApiKeyView[] }>();
    // The service's key always has its secret; the answer's is null when a replay answers it.
    expectTypeOf<CreatedApiKey>().toExtend<z.infer<typeof createdApiKeySchema>>();
  });

  it("describe tenantView() exactly, with no member left undeclared", () => {
    const row = {
      id: "ten_1",
      slug: "acme",
      name: "Acme",
      email: "ops@acme.test",
      status: "active" as const,
      plan: "free",
      createdAt: new Date("2026-01-01T00:00:00Z"),
      updatedAt: new Date("2026-01-02T00:00:00Z"),
    };
    expect(tenantViewSchema.strict().safeParse(tenantView(row)).success).toBe(true);
  });
});
