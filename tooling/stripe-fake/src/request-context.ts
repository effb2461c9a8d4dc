/** @module The API request an object change belongs to (Stripe puts it on every event as `request`). */
import { AsyncLocalStorage } from "node:async_hooks";

/** The request that caused a change; both null for changes made by the clock. */
export interface RequestContext {
  requestId: string | null;
  idempotencyKey: string | null;
}

const storage = new AsyncLocalStorage<RequestContext>();

/**
 * Run `fn` as part of a request, so the events it emits name that request.
 *
 * @example
 * await withRequest({ requestId: "req_1", idempotencyKey: null }, () => handler());
 */
export function withRequest<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

/**
 * The current request, or nulls outside one (e.g. a renewal run by the clock).
 *
 * @example
 * currentRequest().requestId;
 */
export function currentRequest(): RequestContext {
  return storage.getStore() ?? { requestId: null, idempotencyKey: null };
}
