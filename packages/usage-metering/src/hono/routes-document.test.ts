import type { Database } from "@org/db";
import { apiDocument } from "@org/server-kit/hono";
import { describe, expect, it } from "vitest";
import type { UsageMetering } from "../metering.js";
import { usageAlertRoutes } from "./alerts-routes.js";
import { usageRoutes } from "./routes.js";
import { usagePreviewRoutes } from "./usage-preview-route.js";

// The document is built from the declarations alone: no handler runs.
const metering = {} as UsageMetering;
const tenantId = () => "ten_1";
const doc = apiDocument(
  [
    usageRoutes({ metering, tenantId }),
    usageAlertRoutes({ db: {} as Database, metering, tenantId }),
    usagePreviewRoutes({ metering, tenantId, planOf: () => ({}) as never }),
  ],
  { title: "usage" },
);
const paths = doc.paths ?? {};
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

describe("the usage routers' OpenAPI document", () => {
  it.each([
    ["post", "/v1/usage/events", "usage:write", "UsageEventsResult", ["200", "400", "415"]],
    ["get", "/v1/usage", "usage:read", "UsageSeries", ["200", "400"]],
    ["get", "/v1/usage/summary", "usage:read", "UsageSummary", ["200"]],
    ["get", "/v1/usage/preview", "usage:read", "UsagePreview", ["200"]],
    ["get", "/v1/entitlements/{feature}", "usage:read", "Entitlement", ["200"]],
    ["get", "/v1/usage/alerts", "usage:read", "UsageAlerts", ["200"]],
    ["put", "/v1/usage/alerts", "billing:write", "UsageAlerts", ["200", "400", "415"]],
  ] as const)(
    "documents %s %s: scope %s, a %s answer, statuses %j",
    (method, path, scope, schema, statuses) => {
      const op = paths[path]?.[method];
      expect(op?.tags).toEqual(["usage"]);
      expect(op?.summary).toBeTruthy();
      expect(op?.security).toEqual([{ bearerAuth: [scope] }]);
      expect(Object.keys(op?.responses ?? {}).sort()).toEqual([...statuses]);
      expect(op?.responses?.["200"]).toMatchObject({
        content: { "application/json": { schema: ref(schema) } },
      });
      for (const status of statuses.filter((s) => s !== "200"))
        expect(op?.responses?.[status]).toMatchObject({
          content: { "application/problem+json": { schema: ref("Problem") } },
        });
    },
  );

  it("documents exactly these seven operations", () => {
    const operations = Object.entries(paths).flatMap(([path, item]) =>
      Object.keys(item ?? {}).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual([
      "GET /v1/entitlements/{feature}",
      "GET /v1/usage",
      "GET /v1/usage/alerts",
      "GET /v1/usage/preview",
      "GET /v1/usage/summary",
      "POST /v1/usage/events",
      "PUT /v1/usage/alerts",
    ]);
  });

  it("lets the writing routes take an optional Idempotency-Key", () => {
    for (const op of [paths["/v1/usage/events"]?.post, paths["/v1/usage/alerts"]?.put]) {
      expect(op?.parameters).toEqual([
        expect.objectContaining({ name: "Idempotency-Key", in: "header", required: false }),
      ]);
      expect(op?.requestBody).toMatchObject({ required: true });
    }
  });

  it("documents the query of GET /v1/usage with granularity defaulting to day", () => {
    const params = paths["/v1/usage"]?.get?.parameters ?? [];
    const byName = Object.fromEntries(params.map((p) => ("name" in p ? [p.name, p] : ["$ref", p])));
    expect(Object.keys(byName).sort()).toEqual(["from", "granularity", "meter", "to"]);
    expect(byName.meter).toMatchObject({ in: "query", required: true });
    expect(byName.granularity).toMatchObject({
      in: "query",
      required: false,
      schema: { enum: ["minute", "hour", "day"], default: "day" },
    });
  });

  it("takes any feature name in the entitlement path", () => {
    expect(paths["/v1/entitlements/{feature}"]?.get?.parameters).toEqual([
      { schema: { type: "string", example: "api_calls" }, required: true, name: "feature", in: "path" },
    ]);
  });

  it("names the answers' schemas as components, a meter's null quota included", () => {
    const schemas = doc.components?.schemas ?? {};
    for (const name of ["UsageSummary", "MeterSummary", "UsagePreview", "MeterPreview", "MeterAlertSettings"])
      expect(schemas[name]).toBeDefined();
    expect(schemas.MeterSummary).toMatchObject({
      properties: { included: { type: ["integer", "null"] } },
      required: expect.arrayContaining(["included"]),
    });
  });
});
