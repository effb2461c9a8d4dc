/** @module The Hono environment of the fake's app. */
import type { HttpBindings } from "@hono/node-server";
import type { Params } from "./form.js";

/** Per-request values set by the fake's middleware. */
export interface FakeVariables {
  params: Params;
  requestId: string;
  apiKey: string;
  /** Set when the response is an error an idempotency key must not keep. */
  unsavedError?: boolean;
}

/** Hono env of the fake (node bindings are present when served over HTTP, absent under `app.request`). */
export interface FakeEnv {
  Bindings: Partial<HttpBindings>;
  Variables: FakeVariables;
}
