/** @module Events: every state change becomes a Stripe event, kept for `GET /v1/events` and delivered. */
import type { FakeClock } from "./clock.js";
import { newStripeId } from "./ids.js";
import { currentRequest } from "./request-context.js";
import type { Store } from "./store.js";
import type { FakeEvent } from "./types.js";
import type { WebhookDeliveryController } from "./webhooks/delivery.js";

/** Emits events; see {@link createEventEmitter}. */
export interface EventEmitter {
  /**
   * Record and deliver an event carrying a snapshot of `object`.
   * @param previous - the object before the change, for `data.previous_attributes` of `*.updated`
   */
  emit(type: string, object: object, previous?: object): void;
}

const snapshot = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

// Stripe's previous_attributes holds the top-level fields that changed, with their old values.
const previousAttributes = (before: object, after: object): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  for (const key of new Set([...Object.keys(b), ...Object.keys(a)])) {
    if (JSON.stringify(b[key]) !== JSON.stringify(a[key])) out[key] = b[key] ?? null;
  }
  return out;
};

/**
 * An emitter that stores each event and hands it to webhook delivery.
 *
 * @example
 * const events = createEventEmitter({ store, clock, apiVersion, webhooks });
 * events.emit("customer.created", customer);
 */
export function createEventEmitter(deps: {
  store: Store;
  clock: FakeClock;
  apiVersion: string;
  webhooks: WebhookDeliveryController;
}): EventEmitter {
  return {
    emit(type, object, previous) {
      const request = currentRequest();
      const data: FakeEvent["data"] = { object: snapshot(object) as Record<string, unknown> };
      if (previous) data.previous_attributes = previousAttributes(previous, object);
      const event: FakeEvent = {
        id: newStripeId("evt"),
        object: "event",
        api_version: deps.apiVersion,
        created: deps.clock.now(),
        data,
        livemode: false,
        pending_webhooks: deps.webhooks.endpoints().length,
        request: { id: request.requestId, idempotency_key: request.idempotencyKey },
        type,
      };
      deps.store.put("event", event);
      deps.webhooks.enqueue(event);
    },
  };
}

/**
 * A deep copy, taken before a change, to compute `previous_attributes` afterwards.
 *
 * @example
 * const before = copy(subscription);
 */
export const copy = snapshot;
