/** @module createStripeFake(): the whole stand-in, in process, on a port of its own. */
import type { AddressInfo } from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import { Hono } from "hono";
import Stripe from "stripe";
import { registerStripeRoutes, stripeErrorHandler, stripeRequest } from "./app.js";
import { type CompleteCheckoutOptions, completeCheckoutSession } from "./billing/checkout.js";
import { type AdvanceResult, advanceClock } from "./billing/clock-runner.js";
import { installSubscriptionHooks } from "./billing/subscriptions.js";
import { createFakeClock, parseDuration } from "./clock.js";
import type { BillingSettings, Core, MeterEventRecord } from "./core.js";
import { createEventEmitter } from "./events.js";
import { createFaults, type FaultController } from "./faults.js";
import type { FakeEnv } from "./http-env.js";
import { type IdempotencyStore, idempotency } from "./idempotency.js";
import { createLatency, type LatencyController } from "./latency.js";
import { DEFAULT_METERS, DEFAULT_PLANS, type MeterSeed, type PlanSeed, seedCatalog } from "./plans.js";
import { seededRandom } from "./random.js";
import { withRequest } from "./request-context.js";
import { registerControl } from "./routes/control.js";
import { registerPages } from "./routes/pages.js";
import { createStore, type Store } from "./store.js";
import type { FakeCheckoutSession, FakeEvent } from "./types.js";
import {
  createWebhookDelivery,
  type WebhookDeliveryController,
  type WebhookSwitches,
} from "./webhooks/delivery.js";

/** Options of {@link createStripeFake}. */
export interface StripeFakeOptions {
  /** URLs that receive webhooks. */
  webhookUrls?: string[];
  /** Signing secret of those endpoints (default `whsec_stripe_fake`). */
  webhookSecret?: string;
  /** Accept only this API key (default: any `sk_test_...`/`rk_test_...`). */
  apiKey?: string;
  /** Catalogue to seed (default: the design's free/pro/enterprise). */
  plans?: PlanSeed[];
  /** Meters to seed (default: api_calls, tokens, seats). */
  meters?: MeterSeed[];
  /** Start of the test clock (default: now). */
  startTime?: Date | number;
  /** API version of objects and events (default: the version the installed `stripe` SDK pins). */
  apiVersion?: string;
  /** Account billing settings (retry schedule, final action, trial notice, expiries). */
  billing?: Partial<BillingSettings>;
  /** Delays between webhook retries; its length is the number of retries (default 100, 500, 2000 ms). */
  webhookRetryDelaysMs?: number[];
  /** Initial webhook switches (duplicates, shuffle, delay, drops). */
  webhookSwitches?: Partial<WebhookSwitches>;
  /** Seed of the randomness behind shuffles, duplicates and drops (default: random). */
  seed?: number;
  /** Host to listen on (default `127.0.0.1`). */
  hostname?: string;
  /** Base URL put into checkout/portal/invoice URLs when the fake sits behind another address. */
  publicUrl?: string;
}

/** The fake's test clock. */
export interface StripeFakeClock {
  /** Fake time in Unix seconds. */
  now(): number;
  /** Move forward by a duration (`"31d"`, `"2h"`, ms) running renewals, retries, trial ends on the way. */
  advance(duration: string | number): AdvanceResult;
  /** Move forward to a Unix time in seconds. */
  advanceTo(unixSeconds: number): AdvanceResult;
}

/** A running (or startable) Stripe stand-in. */
export interface StripeFake {
  /** The Hono app (usable without a port through `app.request`). */
  app: Hono<FakeEnv>;
  /** Listen (port 0 = a free port); resolves with the port and base URL. */
  start(port?: number): Promise<{ port: number; url: string }>;
  /** Stop listening, cut open connections, release hanging requests and stop webhook retries. */
  stop(): Promise<void>;
  /** `http://127.0.0.1:<port>` once started. */
  readonly url: string;
  readonly port: number;
  /** Config for `new Stripe(key, fake.stripeConfig())`: `{ host, port, protocol: "http" }`. */
  stripeConfig(): { host: string; port: number; protocol: "http" };
  clock: StripeFakeClock;
  faults: FaultController;
  /** A slow Stripe: delay every (matching) API request, then answer it normally. */
  latency: LatencyController;
  webhooks: WebhookDeliveryController;
  /** Complete a Checkout Session as a paying customer would (default card `pm_card_visa`). */
  completeCheckout(sessionId: string, options?: CompleteCheckoutOptions): FakeCheckoutSession;
  /** Make charges on an existing payment method or card source fail (or succeed again). */
  setPaymentFailing(id: string, failing: boolean): void;
  /** Every event so far, oldest first. */
  events(): FakeEvent[];
  /** Recorded meter events (deduplicated by identifier). */
  meterEvents(): MeterEventRecord[];
  /** Read access to every stored object. */
  store: Store;
  idempotency: IdempotencyStore;
  /** Forget every object, event, key and fault; seed the catalogue again. */
  reset(): void;
}

const DEFAULT_SETTINGS: BillingSettings = {
  paymentRetryDays: [3, 5, 7],
  afterFinalFailure: "cancel",
  trialWillEndDays: 3,
  upcomingInvoiceDays: 7,
  incompleteExpiresHours: 23,
  checkoutExpiresHours: 24,
};

/**
 * Create the Stripe stand-in. Point the official SDK at it with `fake.stripeConfig()`.
 *
 * @example
 * const fake = createStripeFake({ webhookUrls: ["http://127.0.0.1:3002/webhooks/stripe"], webhookSecret: "whsec_test" });
 * await fake.start(0);
 * const stripe = new Stripe("sk_test_123", fake.stripeConfig());
 * const customer = await stripe.customers.create({ email: "a@example.com" });
 * fake.clock.advance("31d");
 * await fake.webhooks.idle();
 * await fake.stop();
 */
export function createStripeFake(options: StripeFakeOptions = {}): StripeFake {
  const hostname = options.hostname ?? "127.0.0.1";
  const apiVersion = options.apiVersion ?? Stripe.API_VERSION;
  const plans = options.plans ?? DEFAULT_PLANS;
  const meters = options.meters ?? DEFAULT_METERS;
  const random = seededRandom(options.seed ?? Math.floor(Math.random() * 2 ** 32));
  const clock = createFakeClock(
    options.startTime instanceof Date ? options.startTime.getTime() : (options.startTime ?? Date.now()),
  );
  const store = createStore();
  const webhooks = createWebhookDelivery({
    secret: options.webhookSecret ?? "whsec_stripe_fake",
    urls: options.webhookUrls ?? [],
    random,
    ...(options.webhookRetryDelaysMs ? { retryDelaysMs: options.webhookRetryDelaysMs } : {}),
    ...(options.webhookSwitches ? { switches: options.webhookSwitches } : {}),
  });
  let port = 0;
  let server: ServerType | undefined;
  const core: Core = {
    store,
    clock,
    events: createEventEmitter({ store, clock, apiVersion, webhooks }),
    settings: { ...DEFAULT_SETTINGS, ...options.billing },
    apiVersion,
    baseUrl: () => options.publicUrl ?? `http://${hostname}:${port}`,
    failingInstruments: new Set(),
    authenticatingInstruments: new Set(),
    hooks: { invoicePaid: () => undefined, invoicePaymentFailed: () => undefined },
    meterEvents: new Map(),
  };
  installSubscriptionHooks(core);
  seedCatalog(core, plans, meters);

  const faults = createFaults();
  const latency = createLatency();
  const keys = idempotency(clock);
  const app = new Hono<FakeEnv>();
  app.onError(stripeErrorHandler);
  app.use(
    "/v1/*",
    stripeRequest(options.apiKey === undefined ? { apiVersion } : { apiVersion, apiKey: options.apiKey }),
  );
  app.use("/v1/*", latency.middleware);
  app.use("/v1/*", faults.middleware);
  app.use("/v1/*", keys.middleware);
  app.use("/v1/*", faults.endpointMiddleware);
  registerStripeRoutes(app, core);
  registerPages(app, core);

  const internal = { requestId: null, idempotencyKey: null };
  const fake: StripeFake = {
    app,
    async start(listenPort = 0) {
      if (server) throw new Error("stripe-fake is already started");
      await new Promise<void>((resolve, reject) => {
        const s = serve({ fetch: app.fetch, port: listenPort, hostname }, (info: AddressInfo) => {
          port = info.port;
          resolve();
        });
        s.once("error", reject);
        server = s;
      });
      return { port, url: fake.url };
    },
    async stop() {
      webhooks.close();
      faults.controller.releaseHangs();
      const s = server;
      server = undefined;
      if (!s) return;
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        (s as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
    },
    get url() {
      return `http://${hostname}:${port}`;
    },
    get port() {
      return port;
    },
    stripeConfig: () => ({ host: hostname, port, protocol: "http" as const }),
    clock: {
      now: () => clock.now(),
      advance: (duration) => withRequest(internal, () => advanceClock(core, parseDuration(duration))),
      advanceTo: (unixSeconds) =>
        withRequest(internal, () => advanceClock(core, Math.max(0, unixSeconds * 1000 - clock.nowMs()))),
    },
    faults: faults.controller,
    latency: latency.controller,
    webhooks,
    completeCheckout: (sessionId, completeOptions) =>
      withRequest(internal, () => completeCheckoutSession(core, sessionId, completeOptions)),
    setPaymentFailing(id, failing) {
      if (failing) core.failingInstruments.add(id);
      else core.failingInstruments.delete(id);
    },
    events: () => store.all("event").reverse(),
    meterEvents: () => [...core.meterEvents.values()],
    store,
    idempotency: keys.store,
    reset() {
      store.clear();
      core.meterEvents.clear();
      core.failingInstruments.clear();
      core.authenticatingInstruments.clear();
      keys.store.clear();
      faults.controller.clear();
      latency.controller.clear();
      seedCatalog(core, plans, meters);
    },
  };
  registerControl(app, fake);
  return fake;
}
