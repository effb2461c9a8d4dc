import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { enqueueNotification, NOTIFICATION_SIGNATURE_HEADER, signNotificationBody } from "@org/billing";
import { newId, tenants } from "@org/db";
import { createStripeFake } from "@org/stripe-fake";
import { createTestDb } from "@org/testing";
import { afterAll, describe, expect, it } from "vitest";
import { SECRET, silentLogger, testMetrics } from "../test/helpers.js";
import { buildDeps } from "./deps.js";
import { parseEnv } from "./env.js";
import { notificationsJob } from "./notifications-job.js";

describe("the notifications job", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it("POSTs the outbox to NOTIFICATIONS_WEBHOOK_URL, signed, retries a refused one, and counts both in /metrics", async () => {
    const t = await createTestDb();
    cleanups.push(() => t.cleanup());
    const fake = createStripeFake({ webhookSecret: SECRET });
    await fake.start(0);
    cleanups.push(() => fake.stop());
    const received: { signature: string; body: string }[] = [];
    let answer = 500;
    const receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => {
        body += chunk;
      });
      req.on("end", () => {
        received.push({ signature: String(req.headers[NOTIFICATION_SIGNATURE_HEADER.toLowerCase()]), body });
        res.statusCode = answer;
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => receiver.close(resolve)));
    const secret = "notification-secret-of-32-characters!";
    const env = parseEnv({
      DATABASE_URL: t.url,
      STRIPE_SECRET_KEY: "sk_test_worker",
      STRIPE_WEBHOOK_SECRET: SECRET,
      STRIPE_API_BASE: fake.url,
      NOTIFICATIONS_WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/billing`,
      NOTIFICATIONS_WEBHOOK_SECRET: secret,
      LOG_LEVEL: "silent",
    });
    const deps = await buildDeps(env, silentLogger());
    cleanups.push(() => deps.close());

    const tenantId = newId("tenant");
    await t.db.insert(tenants).values({
      id: tenantId,
      slug: `t-${tenantId.slice(4, 14).toLowerCase()}`,
      name: "Acme",
      email: "owner@acme.test",
      plan: "free",
      status: "active",
    });
    await enqueueNotification(t.db, {
      tenantId,
      kind: "subscription_canceled",
      dedupeKey: "subscription_canceled:sub_1",
      payload: { subscriptionId: "sub_1" },
    });
    let now = Date.now() + 1_000;
    const metrics = testMetrics();
    const job = notificationsJob(
      {
        db: deps.db,
        stripe: deps.billing!.stripe,
        sender: deps.notificationSender,
        clock: () => new Date(now),
      },
      { everyMs: 5_000, registry: metrics.registry, delivery: { retry: { baseMs: 1_000 } } },
    );

    expect(await job.run()).toMatchObject({ sent: 0, failed: 1 });
    answer = 204;
    now += 60_000;
    expect(await job.run()).toMatchObject({ sent: 1, failed: 0 });
    expect(received).toHaveLength(2);
    const last = received[1]!;
    expect(JSON.parse(last.body)).toMatchObject({ tenantId, kind: "subscription_canceled" });
    const t0 = Number(/^t=(\d+),/.exec(last.signature)?.[1]);
    expect(last.signature).toBe(signNotificationBody(last.body, secret, t0));

    const exposed = await metrics.registry.metrics();
    expect(exposed).toMatch(/notifications_delivered_total\{result="sent"[^}]*\} 1\n/);
    expect(exposed).toMatch(/notifications_delivered_total\{result="failed"[^}]*\} 1\n/);
    expect(exposed).toMatch(/notifications_outbox\{status="sent"[^}]*\} 1\n/);
  });
});
