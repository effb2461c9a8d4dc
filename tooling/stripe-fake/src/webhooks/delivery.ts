/** @module Webhook delivery: signed POSTs to every endpoint, retries, and the switches tests flip. */
import type { FakeEvent } from "../types.js";
import { signPayload } from "./sign.js";

/** Switches that make delivery as unreliable as the real world. */
export interface WebhookSwitches {
  /** Probability (0..1) that an event is delivered twice to an endpoint. */
  duplicateRate: number;
  /** Deliver each batch of queued events in random order. */
  shuffle: boolean;
  /** Wait this long before each delivery. */
  delayMs: number;
  /** Probability (0..1) that a delivery is silently lost (no request, no retry). */
  dropRate: number;
}

/** One delivery attempt, as recorded for tests and the control API. */
export interface WebhookDelivery {
  eventId: string;
  type: string;
  url: string;
  attempt: number;
  /** `delivered` (2xx), `failed` (non-2xx or network error; retried while attempts remain), `dropped`. */
  outcome: "delivered" | "failed" | "dropped";
  status?: number;
  error?: string;
  duplicate: boolean;
  at: string;
}

/** A fetch-like function: lets an in-process app (e.g. `app.request`) receive webhooks with no port. */
export type WebhookFetch = (request: Request) => Response | Promise<Response>;

/** Options of {@link createWebhookDelivery}. */
export interface WebhookDeliveryOptions {
  /** Signing secret (`whsec_...`). */
  secret: string;
  /** Endpoint URLs to deliver to. */
  urls?: string[];
  /** Delays before each retry; its length is the number of retries. */
  retryDelaysMs?: number[];
  /** Per-delivery timeout. */
  timeoutMs?: number;
  random: () => number;
  switches?: Partial<WebhookSwitches>;
}

/** Controls delivery; see {@link createWebhookDelivery}. */
export interface WebhookDeliveryController {
  readonly secret: string;
  endpoints(): string[];
  /**
   * Deliver to `url`; with `options.fetch` the signed request is handed to that function instead of
   * the network (e.g. `{ fetch: (req) => workerApp.request(req) }`).
   */
  addEndpoint(url: string, options?: { fetch?: WebhookFetch }): void;
  removeEndpoint(url: string): void;
  switches(): WebhookSwitches;
  configure(switches: Partial<WebhookSwitches>): WebhookSwitches;
  /** Lose the next `count` deliveries (whatever their endpoint). */
  dropNext(count: number): void;
  enqueue(event: FakeEvent): void;
  /** Resolves once nothing is queued, in flight or waiting for a retry. */
  idle(): Promise<void>;
  deliveries(): WebhookDelivery[];
  /** Stop retries and forget queued deliveries. */
  close(): void;
}

interface Job {
  event: FakeEvent;
  payload: string;
  url: string;
  attempt: number;
}

const DEFAULT_SWITCHES: WebhookSwitches = { duplicateRate: 0, shuffle: false, delayMs: 0, dropRate: 0 };

/**
 * Deliver events to endpoints like Stripe: JSON body, `Stripe-Signature`, retries on non-2xx.
 * Deliveries are sequential in queue order (or shuffled), which keeps test runs reproducible.
 *
 * @example
 * const delivery = createWebhookDelivery({ secret: "whsec_x", urls: ["http://127.0.0.1:3002/webhooks/stripe"], random: Math.random });
 * delivery.enqueue(event);
 * await delivery.idle();
 */
export function createWebhookDelivery(options: WebhookDeliveryOptions): WebhookDeliveryController {
  const { secret, retryDelaysMs = [100, 500, 2000], timeoutMs = 5000, random } = options;
  const urls = new Map<string, WebhookFetch | undefined>((options.urls ?? []).map((u) => [u, undefined]));
  let switches: WebhookSwitches = { ...DEFAULT_SWITCHES, ...options.switches };
  let dropBudget = 0;
  let queue: Job[] = [];
  let pumping = false;
  let closed = false;
  const retryTimers = new Set<NodeJS.Timeout>();
  const log: WebhookDelivery[] = [];
  let waiters: Array<() => void> = [];

  const isIdle = () => !pumping && queue.length === 0 && retryTimers.size === 0;
  const settle = () => {
    if (!isIdle()) return;
    const ready = waiters;
    waiters = [];
    for (const resolve of ready) resolve();
  };
  const record = (job: Job, entry: Omit<WebhookDelivery, "eventId" | "type" | "url" | "attempt" | "at">) =>
    log.push({
      eventId: job.event.id,
      type: job.event.type,
      url: job.url,
      attempt: job.attempt,
      at: new Date().toISOString(),
      ...entry,
    });

  const send = async (job: Job, duplicate: boolean): Promise<boolean> => {
    try {
      const request = new Request(job.url, {
        method: "POST",
        headers: {
          "content-type": "application/json; charset=utf-8",
          "stripe-signature": signPayload(job.payload, secret),
          "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        },
        body: job.payload,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const custom = urls.get(job.url);
      const response = await (custom ? custom(request) : fetch(request));
      await response.arrayBuffer().catch(() => undefined);
      const ok = response.status >= 200 && response.status < 300;
      record(job, { outcome: ok ? "delivered" : "failed", status: response.status, duplicate });
      return ok;
    } catch (error) {
      record(job, { outcome: "failed", error: (error as Error).message, duplicate });
      return false;
    }
  };

  const retryLater = (job: Job) => {
    const delay = retryDelaysMs[job.attempt - 1];
    if (delay === undefined || closed) return;
    const timer = setTimeout(() => {
      retryTimers.delete(timer);
      queue.push({ ...job, attempt: job.attempt + 1 });
      pump();
    }, delay);
    retryTimers.add(timer);
  };

  const deliver = async (job: Job) => {
    if (switches.delayMs > 0) await new Promise((r) => setTimeout(r, switches.delayMs));
    if (closed) return;
    if (dropBudget > 0 || random() < switches.dropRate) {
      if (dropBudget > 0) dropBudget--;
      record(job, { outcome: "dropped", duplicate: false });
      return;
    }
    const ok = await send(job, false);
    if (!ok) retryLater(job);
    else if (random() < switches.duplicateRate) await send(job, true);
  };

  const pump = () => {
    if (pumping || closed) return;
    pumping = true;
    // Start on a later tick so that every event of one API call is queued before a shuffle.
    setImmediate(async () => {
      try {
        while (queue.length > 0 && !closed) {
          const batch = queue;
          queue = [];
          if (switches.shuffle) {
            for (let i = batch.length - 1; i > 0; i--) {
              const j = Math.floor(random() * (i + 1));
              [batch[i], batch[j]] = [batch[j] as Job, batch[i] as Job];
            }
          }
          for (const job of batch) await deliver(job);
        }
      } finally {
        pumping = false;
        settle();
      }
    });
  };

  return {
    secret,
    endpoints: () => [...urls.keys()],
    addEndpoint: (url, endpointOptions) => void urls.set(url, endpointOptions?.fetch),
    removeEndpoint: (url) => void urls.delete(url),
    switches: () => ({ ...switches }),
    configure(next) {
      switches = { ...switches, ...next };
      return { ...switches };
    },
    dropNext(count) {
      dropBudget += count;
    },
    enqueue(event) {
      if (closed || urls.size === 0) return;
      const payload = JSON.stringify(event, null, 2);
      for (const url of urls.keys()) queue.push({ event, payload, url, attempt: 1 });
      pump();
    },
    idle() {
      if (isIdle()) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
    deliveries: () => [...log],
    close() {
      closed = true;
      for (const timer of retryTimers) clearTimeout(timer);
      retryTimers.clear();
      queue = [];
      settle();
    },
  };
}
