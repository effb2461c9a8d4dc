/** @module Idempotency-Key like Stripe's: replay the first result, refuse reuse with other parameters. */
import { createMiddleware } from "hono/factory";
import type { FakeClock } from "./clock.js";
import { StripeFakeError } from "./errors.js";
import type { FakeEnv } from "./http-env.js";

interface Entry {
  fingerprint: string;
  state: "in_progress" | "done";
  status: number;
  body: string;
  requestId: string;
  expiresAt: number;
}

/** Stored idempotent results, per API key. */
export interface IdempotencyStore {
  size(): number;
  clear(): void;
}

const KEY_TTL_SECONDS = 24 * 3600;

const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
};

/**
 * The idempotency middleware for POST requests, and the store it keeps (keys live 24 h on the fake clock).
 *
 * Stripe's rules, kept here: the first result is saved once the endpoint started executing (so
 * card declines and 500s replay, parameter validation errors and failures in front of the endpoint
 * do not; see docs.stripe.com/api/idempotent_requests); a replay carries
 * `Idempotent-Replayed: true`; the same key with other parameters or another endpoint answers 400
 * `idempotency_error`; a key whose first request is still running answers 409.
 *
 * @example
 * const { middleware, store } = idempotency(clock);
 * app.post("/v1/*", middleware);
 */
export function idempotency(clock: FakeClock) {
  const entries = new Map<string, Entry>();
  const store: IdempotencyStore = { size: () => entries.size, clear: () => entries.clear() };
  const middleware = createMiddleware<FakeEnv>(async function idempotency(c, next) {
    const key = c.req.header("idempotency-key");
    if (c.req.method !== "POST" || !key) return next();
    if (key.length > 255) {
      throw new StripeFakeError(
        400,
        "invalid_request_error",
        "Idempotency keys can be no longer than 255 characters.",
        {
          param: "Idempotency-Key",
        },
      );
    }
    const now = clock.now();
    const scoped = `${c.get("apiKey")}\u0000${key}`;
    const fingerprint = `${c.req.method} ${c.req.path} ${canonical(c.get("params"))}`;
    const existing = entries.get(scoped);
    if (existing && existing.expiresAt > now) {
      if (existing.fingerprint !== fingerprint) {
        throw new StripeFakeError(
          400,
          "idempotency_error",
          `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
        );
      }
      if (existing.state === "in_progress") {
        throw new StripeFakeError(
          409,
          "idempotency_error",
          "There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): " +
            `${key}. Please try again later.`,
          { code: "idempotency_key_in_use" },
        );
      }
      c.header("Idempotent-Replayed", "true");
      c.header("Original-Request", existing.requestId);
      c.header("Idempotency-Key", key);
      c.header("Content-Type", "application/json");
      return c.body(existing.body, existing.status as 200);
    }
    const entry: Entry = {
      fingerprint,
      state: "in_progress",
      status: 0,
      body: "",
      requestId: c.get("requestId"),
      expiresAt: now + KEY_TTL_SECONDS,
    };
    entries.set(scoped, entry);
    await next();
    // The app's onError marks errors raised before the endpoint "started executing" (validation).
    // Anything else is kept, 500s included: a retry with this key gets the same answer, as on Stripe.
    if (c.get("unsavedError")) {
      entries.delete(scoped);
      return;
    }
    entry.state = "done";
    entry.status = c.res.status;
    entry.body = await c.res.clone().text();
    c.header("Idempotency-Key", key);
  });
  return { middleware, store };
}
