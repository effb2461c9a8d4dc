/**
 * Webhook-worker benchmark: intake events/s and latency over real HTTP (each request a new, signed
 * event), then end-to-end events/s through 2 workers, with a trivial handler (the inbox's own cost)
 * and with the billing handler syncing from the Stripe stand-in. Run: pnpm --filter @org/webhook-worker bench
 */
import {
  billingHandler,
  createInboxWorker,
  createStripeClient,
  type EventHandler,
  insertEvent,
  loadPlanCatalog,
} from "@org/billing";
import { closeDb, createDb, migrate, stripeWebhookEvents } from "@org/db";
import { createLogger, createMetrics } from "@org/server-kit";
import { serveNode } from "@org/server-kit/hono";
import { createStripeFake } from "@org/stripe-fake";
import { createFreshDatabase } from "@org/testing";
import autocannon from "autocannon";
import { eq } from "drizzle-orm";
import Stripe from "stripe";
import { createApp } from "../src/app.js";

const SECRET = "whsec_bench";
const signer = new Stripe("sk_test_bench");
const logger = createLogger({ service: "bench", level: "silent" });
const fresh = await createFreshDatabase();
const db = createDb({ driver: "postgres", url: fresh.url, maxConnections: 20 });
await migrate(db);

try {
  // 1. Intake over HTTP.
  const app = createApp({
    db,
    logger,
    metrics: createMetrics({ service: "bench", defaultMetrics: false }),
    webhookSecrets: [SECRET],
  });
  const server = await serveNode({ fetch: app.fetch, port: 0, hostname: "127.0.0.1", logger, exit: false });
  let n = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${server.port}/webhooks/stripe`,
    method: "POST",
    connections: 32,
    duration: 5,
    requests: [
      {
        setupRequest(request) {
          const body = JSON.stringify({
            id: `evt_bench_${process.pid}_${n++}`,
            object: "event",
            type: "invoice.paid",
            created: Math.floor(Date.now() / 1000),
            data: { object: { object: "invoice", customer: "cus_bench" } },
          });
          const signature = signer.webhooks.generateTestHeaderString({ payload: body, secret: SECRET });
          return {
            ...request,
            method: "POST",
            body,
            headers: { "content-type": "application/json", "stripe-signature": signature },
          };
        },
      },
    ],
  });
  await server.shutdown("bench");
  const stored = await db.$count(stripeWebhookEvents);
  console.log(
    `intake: ${Math.round(result.requests.average)} events/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ` +
      `${result.non2xx} non-2xx, ${stored} stored (32 connections, 5 s)`,
  );

  // 2. Workers draining what intake stored, with a handler that does nothing: the inbox's own cost.
  const noop: EventHandler = async () => ({ outcome: "synced" });
  const started = performance.now();
  const workers = [0, 1].map((i) =>
    createInboxWorker({ db, logger, handle: noop, batchSize: 50, workerId: `b${i}` }),
  );
  const settled = (await Promise.all(workers.map((w) => w.drain()))).reduce((a, b) => a + b, 0);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `worker (no-op handler, 2 workers): ${Math.round(settled / seconds)} events/s (${settled} events)`,
  );

  // 3. End to end with the billing handler against the Stripe stand-in (3 Stripe calls per event).
  const fake = createStripeFake({ webhookSecret: SECRET });
  await fake.start(0);
  const stripe = createStripeClient({ secretKey: "sk_test_bench", apiBase: fake.url });
  const customers = await Promise.all(
    Array.from({ length: 20 }, (_, i) => stripe.customers.create({ email: `b${i}@bench.test` })),
  );
  await db.delete(stripeWebhookEvents).where(eq(stripeWebhookEvents.status, "processed"));
  const total = 1_000;
  for (let i = 0; i < total; i++) {
    await insertEvent(db, {
      id: `evt_e2e_${i}`,
      type: "customer.subscription.updated",
      created: Math.floor(Date.now() / 1000),
      data: { object: { object: "subscription", customer: customers[i % 20]!.id } },
    });
  }
  const handle = billingHandler({ db, stripe, catalog: loadPlanCatalog() });
  const e2eStarted = performance.now();
  const e2e = [0, 1].map((i) =>
    createInboxWorker({ db, logger, handle, batchSize: 20, workerId: `e${i}`, retry: { windowMs: 0 } }),
  );
  const done = (await Promise.all(e2e.map((w) => w.drain()))).reduce((a, b) => a + b, 0);
  console.log(
    `worker (billing handler, unknown customers parked, 2 workers): ${Math.round(done / ((performance.now() - e2eStarted) / 1000))} events/s (${done} events)`,
  );
  await fake.stop();
} finally {
  await closeDb(db);
  await fresh.drop();
}
