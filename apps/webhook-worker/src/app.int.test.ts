import { stripeWebhookEvents } from "@org/db";
import { createTestDb, type TestDb } from "@org/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, fakeEvent, SECRET, signedRequest, silentLogger, testMetrics } from "../test/helpers.js";
import { createApp } from "./app.js";
import { createWorkerMetrics } from "./metrics.js";

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };

describe("createApp serves billing's intake and inbox admin routes", () => {
  let t: TestDb;
  let app: ReturnType<typeof createApp>;
  let metrics: ReturnType<typeof testMetrics>;
  beforeAll(async () => {
    t = await createTestDb();
    metrics = testMetrics();
    app = createApp({
      db: t.db,
      logger: silentLogger(),
      metrics,
      workerMetrics: createWorkerMetrics(metrics.registry, t.db),
      webhookSecrets: [SECRET],
      adminToken: ADMIN_TOKEN,
    });
  });
  afterAll(() => t.cleanup());

  it("stores a signed delivery, counts it in webhook_intake_total, and shows it to the admin", async () => {
    const event = fakeEvent();
    const res = await app.request("/webhooks/stripe", signedRequest(event));
    expect(res.status).toBe(200);
    expect(await t.db.$count(stripeWebhookEvents, eq(stripeWebhookEvents.id, event.id))).toBe(1);
    const intake = await metrics.registry.getSingleMetric("webhook_intake_total")?.get();
    expect(intake?.values).toContainEqual(
      expect.objectContaining({ labels: { result: "stored" }, value: 1 }),
    );
    const shown = await app.request(`/admin/webhook-events/${event.id}`, { headers: auth });
    expect(shown.status).toBe(200);
    expect(await shown.json()).toMatchObject({ id: event.id, status: "pending" });
    expect((await app.request("/admin/webhook-events/stats", { headers: auth })).status).toBe(200);
  });

  it("bounds a webhook body by the intake's limit, below the app's general one", async () => {
    const event = { ...fakeEvent(), pad: "x".repeat(600 * 1024) };
    const res = await app.request("/webhooks/stripe", signedRequest(event));
    expect(res.status).toBe(413);
    expect(await t.db.$count(stripeWebhookEvents, eq(stripeWebhookEvents.id, event.id))).toBe(0);
  });
});
