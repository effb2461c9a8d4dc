import type { Database } from "@org/db";
import type { OpenApiDocument } from "@org/server-kit";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, SECRET, silentLogger, testMetrics } from "../test/helpers.js";
import { createApp } from "./app.js";

// No request in this file reaches the database: documents and refused requests only.
const unusedDb = {} as Database;
const appWith = (adminToken?: string) =>
  createApp({
    db: unusedDb,
    logger: silentLogger(),
    metrics: testMetrics(),
    webhookSecrets: [SECRET],
    adminToken,
  });

const documentOf = async (app: ReturnType<typeof createApp>) => {
  const res = await app.request("/openapi.json");
  expect(res.status).toBe(200);
  return (await res.json()) as OpenApiDocument;
};

type Operation = NonNullable<NonNullable<OpenApiDocument["paths"]>[string]["get"]>;
const successSchemaOf = (op: Operation | undefined, status: string) => {
  const response = op?.responses?.[status] as { content?: Record<string, { schema?: unknown }> } | undefined;
  return response?.content?.["application/json"]?.schema;
};
const statusesOf = (op: Operation | undefined) => Object.keys(op?.responses ?? {}).sort();

describe("/openapi.json", () => {
  it("documents the intake: public, signed header, Stripe event body, its answers", async () => {
    const doc = await documentOf(appWith(ADMIN_TOKEN));
    const intake = doc.paths?.["/webhooks/stripe"]?.post;
    expect(intake?.security ?? []).toEqual([]);
    expect(intake?.parameters).toEqual([
      expect.objectContaining({ name: "Stripe-Signature", in: "header", required: true }),
    ]);
    expect(intake?.requestBody).toMatchObject({
      required: true,
      content: { "application/json": { schema: { $ref: "#/components/schemas/StripeEvent" } } },
    });
    expect(statusesOf(intake)).toEqual(["200", "400", "413"]);
    expect(successSchemaOf(intake, "200")).toEqual({ $ref: "#/components/schemas/WebhookReceived" });
    expect(doc.components?.schemas).toHaveProperty("StripeEvent");
    expect(doc.components?.schemas).toHaveProperty("Problem");
  });

  it("documents every admin operation behind the admin token, with its response schema", async () => {
    const doc = await documentOf(appWith(ADMIN_TOKEN));
    const operations: [string, "get" | "post", string, string, string[]][] = [
      ["/admin/webhook-events", "get", "200", "WebhookEventList", ["200", "400", "401"]],
      ["/admin/webhook-events/stats", "get", "200", "WebhookQueueStats", ["200", "401"]],
      ["/admin/webhook-events/{id}", "get", "200", "WebhookEvent", ["200", "401", "404"]],
      [
        "/admin/webhook-events/{id}/replay",
        "post",
        "202",
        "WebhookEventsReplayed",
        ["202", "401", "404", "409"],
      ],
      ["/admin/webhook-events/replay-dead", "post", "202", "WebhookEventsReplayed", ["202", "401"]],
    ];
    for (const [path, method, success, schema, statuses] of operations) {
      const op = doc.paths?.[path]?.[method];
      expect(op?.security, path).toEqual([{ adminToken: [] }]);
      expect(statusesOf(op), path).toEqual(statuses);
      expect(successSchemaOf(op, success), path).toEqual({ $ref: `#/components/schemas/${schema}` });
    }
    expect(doc.paths?.["/admin/webhook-events"]?.get?.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "status", in: "query", required: false }),
        expect.objectContaining({
          name: "limit",
          in: "query",
          schema: expect.objectContaining({ default: 50 }),
        }),
      ]),
    );
    expect(doc.components?.securitySchemes).toHaveProperty("adminToken");
  });

  it("leaves the admin operations out when no admin token is configured", async () => {
    const doc = await documentOf(appWith());
    expect(Object.keys(doc.paths ?? {})).toEqual(["/webhooks/stripe"]);
  });
});

describe("admin request validation", () => {
  const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };

  it.each(["status=weird", "limit=0", "limit=abc"])(
    "answers ?%s with 400 validation_failed problem+json naming the parameter",
    async (query) => {
      const res = await appWith(ADMIN_TOKEN).request(`/admin/webhook-events?${query}`, { headers: auth });
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      const body = (await res.json()) as { code: string; issues: { path: string }[] };
      expect(body.code).toBe("validation_failed");
      expect(body.issues[0]?.path).toBe(query.split("=")[0]);
    },
  );

  it("checks the admin token before the request", async () => {
    const res = await appWith(ADMIN_TOKEN).request("/admin/webhook-events?status=weird");
    expect(res.status).toBe(401);
  });
});
