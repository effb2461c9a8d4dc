import type { Database } from "@org/db";
import type { OpenApiDocument } from "@org/server-kit/hono";
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

describe("/openapi.json and /docs", () => {
  it("serves one document of billing's intake and inbox admin routers, and the docs page", async () => {
    const app = appWith(ADMIN_TOKEN);
    const doc = await documentOf(app);
    expect(Object.keys(doc.paths ?? {}).sort()).toEqual([
      "/admin/webhook-events",
      "/admin/webhook-events/replay-dead",
      "/admin/webhook-events/stats",
      "/admin/webhook-events/{id}",
      "/admin/webhook-events/{id}/replay",
      "/webhooks/stripe",
    ]);
    expect(doc.info?.title).toBe("webhook-worker");
    expect(doc.components?.schemas).toHaveProperty("StripeEvent");
    expect(doc.components?.securitySchemes).toHaveProperty("adminToken");
    expect((await app.request("/docs")).headers.get("content-type")).toContain("text/html");
  });

  it("leaves the admin operations out when no admin token is configured", async () => {
    const app = appWith();
    const doc = await documentOf(app);
    expect(Object.keys(doc.paths ?? {})).toEqual(["/webhooks/stripe"]);
    expect((await app.request("/admin/webhook-events/stats")).status).toBe(404);
  });
});

describe("admin token", () => {
  it("needs the admin token", async () => {
    const app = appWith(ADMIN_TOKEN);
    expect((await app.request("/admin/webhook-events")).status).toBe(401);
    expect(
      (await app.request("/admin/webhook-events", { headers: { Authorization: "Bearer nope" } })).status,
    ).toBe(401);
  });

  it("checks the admin token before the request", async () => {
    const res = await appWith(ADMIN_TOKEN).request("/admin/webhook-events?status=weird");
    expect(res.status).toBe(401);
  });
});
