/** @module What the middleware answers without running the handler: replays and its problem responses. */
import { ProblemError } from "@org/problem/hono";
import type { Context } from "hono";
import type { StoredResponse } from "../store.js";
import { REPLAYED_HEADER } from "./replayed.js";
import { bodyFor } from "./response-body.js";

/**
 * The stored response again, marked `Idempotent-Replayed: true`; the request is flagged as a replay.
 *
 * @example
 * if (claim.kind === "completed") return replay(c, claim.response);
 */
export function replay(c: Context, response: StoredResponse): Response {
  c.set("idempotencyReplayed", true);
  return new Response(bodyFor(response.status, response.body), {
    status: response.status,
    headers: { ...response.headers, [REPLAYED_HEADER]: "true" },
  });
}

/**
 * 422 `idempotency_key_mismatch`: the key was first used with another request.
 *
 * @example
 * if (claim.fingerprint !== fingerprint) throw keyMismatch(key);
 */
export const keyMismatch = (key: string) =>
  new ProblemError("idempotency_key_mismatch", {
    detail: `Idempotency-Key "${key}" was first used with a different request (method, path or body).`,
  });

/**
 * 409 `idempotency_key_in_use`: another request holds the key until `lockedUntil` (epoch ms).
 *
 * @example
 * throw keyInUse(key, claim.lockedUntil, now);
 */
export function keyInUse(key: string, lockedUntil: number, now: number): ProblemError {
  const retryAfter = Math.max(1, Math.ceil((lockedUntil - now) / 1000));
  return new ProblemError("idempotency_key_in_use", {
    detail: `A request with Idempotency-Key "${key}" is still in progress.`,
    headers: { "Retry-After": String(retryAfter) },
  });
}

/**
 * 503 `idempotency_store_unavailable`: the claim failed, so nothing may run (without the store we
 * cannot know whether this key already ran).
 *
 * @example
 * throw storeUnavailable();
 */
export const storeUnavailable = () =>
  new ProblemError("idempotency_store_unavailable", {
    detail: "The idempotency store cannot be reached; nothing was done. Retry later with the same key.",
    headers: { "Retry-After": "1" },
  });
