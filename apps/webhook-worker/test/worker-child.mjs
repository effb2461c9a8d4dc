// A webhook worker process for the chaos test: drains the inbox until it is killed.
import { billingHandler, createInboxWorker, createStripeClient, loadPlanCatalog } from "@org/billing";
import { createDb } from "@org/db";
import { createLogger } from "@org/server-kit";

const db = createDb({ driver: "postgres", url: process.env.DATABASE_URL, maxConnections: 4 });
const handle = billingHandler({
  db,
  stripe: createStripeClient({
    secretKey: "sk_test_chaos",
    apiBase: process.env.STRIPE_API_BASE,
    maxNetworkRetries: 2,
  }),
  catalog: loadPlanCatalog(),
});
const worker = createInboxWorker({
  db,
  handle,
  logger: createLogger({ service: "worker-child", level: "silent" }),
  lockMs: 1_500,
  pollMs: 100,
  batchSize: 10,
  retry: { baseMs: 20, capMs: 500, windowMs: 600_000 },
});
await worker.start();
process.send?.("ready");
