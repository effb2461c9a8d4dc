import type { Database } from "@org/db";
import { problemErrorHandler } from "@org/problem/hono";
import { apiDocument, type OpenApiDocument } from "@org/server-kit/hono";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { inboxAdminRoutes } from "./inbox-admin-routes.js";
import { webhookIntakeRoutes } from "./webhook-intake-routes.js";

// No request in this file reaches the database: documents and refused requests only.
const unusedDb = {} as Database;
const routers = () => [
  webhookIntakeRoutes({ db: unusedDb, secrets: ["whsec_unused"] }),
  inboxAdminRoutes({ db: unusedDb }),
];
const documentOf = () => apiDocument(routers(), { title: "inbox-routes-test" });

type Operation = NonNullable<NonNullable<OpenApiDocument["paths"]>[string]["get"]>;
const successSchemaOf = (op: Operation | undefined, status: string) => {
  const response = op?.responses?.[status] as { content?: Record<string, { schema?: unknown }> } | undefined;
  return response?.content?.["application/json"]?.schema;
};
const statusesOf = (op: Operation | undefined) => Object.keys(op?.responses ?? {}).sort();

describe("the document of the intake and inbox admin routes", () => {
  it("documents the intake: public, signed header, Stripe event body, its answers", () => {
    const doc = documentOf();
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

  it("documents every admin operation behind the admin token, with its response schema", () => {
    const doc = documentOf();
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

  it("documents the two routers and nothing else", () => {
    expect(Object.keys(documentOf().paths ?? {}).sort()).toEqual([
      "/admin/webhook-events",
      "/admin/webhook-events/replay-dead",
      "/admin/webhook-events/stats",
      "/admin/webhook-events/{id}",
      "/admin/webhook-events/{id}/replay",
      "/webhooks/stripe",
    ]);
  });
});

describe("inbox admin request validation", () => {
  const app = new Hono();
  app.onError(problemErrorHandler());
  for (const router of routers()) app.route("/", router);

  it.each(["status=weird", "limit=0", "limit=abc"])(
    "answers ?%s with 400 validation_failed problem+json naming the parameter",
    async (query) => {
      const res = await app.request(`/admin/webhook-events?${query}`);
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      const body = (await res.json()) as { code: string; issues: { path: string }[] };
      expect(body.code).toBe("validation_failed");
      expect(body.issues[0]?.path).toBe(query.split("=")[0]);
    },
  );
});
