import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { billingHandler, createInboxWorker, type InboxWorker } from "@org/billing";
import { createLogger, type Logger } from "@org/server-kit";
import { createStripeFake, type StripeFake } from "@org/stripe-fake";
import { checkAnswers, createTestDb, type TestDb } from "@org/testing";
import { createApp as createWorkerApp } from "@org/webhook-worker";
import { createApp } from "../src/app.js";
import { buildDeps, type Deps } from "../src/deps.js";
import { parseEnv } from "../src/env.js";

export const BASE = "example.test";
export const silent = () =>
  createLogger({
    service: "cloud-test",
    level: "silent",
    destination: new Writable({ write: (_c, _e, cb) => cb() }),
  });

export interface CloudHarness {
  t: TestDb;
  fake: StripeFake;
  deps: Deps;
  app: ReturnType<typeof createApp>;
  worker: InboxWorker;
  /** Every webhook delivered and every inbox event processed. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * cloud-api on a fresh database, a fresh Redis namespace (idempotency records of earlier runs must not
 * answer this one) and an in-process Stripe stand-in whose webhooks reach the webhook-worker's intake;
 * `worker` drains that inbox through billing.
 */
export async function createCloudHarness(
  options: { startTime?: number; env?: Record<string, string>; logger?: Logger } = {},
): Promise<CloudHarness> {
  const secret = `whsec_${randomUUID().replaceAll("-", "")}`;
  const t = await createTestDb({ maxConnections: 20 });
  const fake = createStripeFake({
    webhookSecret: secret,
    ...(options.startTime ? { startTime: options.startTime } : {}),
  });
  await fake.start(0);
  const deps = await buildDeps(
    parseEnv({
      DATABASE_URL: t.url,
      REDIS_URL: process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379",
      REDIS_KEY_PREFIX: `test-${randomUUID()}`,
      BASE_DOMAIN: BASE,
      STRIPE_SECRET_KEY: "sk_test_cloud",
      STRIPE_WEBHOOK_SECRET: secret,
      STRIPE_API_BASE: fake.url,
      LOG_LEVEL: "silent",
      ...options.env,
    }),
    options.logger ?? silent(),
  );
  const app = createApp({ ...deps, baseDomain: BASE });
  const answers = checkAnswers(app);
  const intake = createWorkerApp({
    db: deps.db,
    logger: silent(),
    metrics: deps.metrics,
    webhookSecrets: [secret],
  });
  fake.webhooks.addEndpoint("http://worker.test/webhooks/stripe", {
    fetch: (req: Request) => intake.request(req),
  });
  const worker = createInboxWorker({ db: deps.db, logger: silent(), handle: billingHandler(deps.billing!) });
  return {
    t,
    fake,
    deps,
    app,
    worker,
    async settle() {
      await fake.webhooks.idle();
      await worker.drain();
    },
    async close() {
      await deps.close();
      await fake.stop();
      await t.cleanup();
      answers.assertNone();
    },
  };
}
