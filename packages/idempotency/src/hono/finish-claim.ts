/** @module After the handler: the claimed key released, or the response stored (redacted) and cached for replays. */
import type { Context } from "hono";
import { serializeList } from "structured-headers";
import { REDACTED_HEADER, redactJsonFields } from "../redaction.js";
import type { CachedRequest } from "../replay-cache.js";
import type { StoredResponse } from "../store.js";
import { completeWithRetry } from "./complete-with-retry.js";
import type { IdempotencySettings } from "./idempotency-options.js";
import { readResponseBody } from "./response-body.js";
import { sensitiveFieldsOf } from "./sensitive-fields.js";

/** The key this request claimed, and what a replay must match. */
export interface HeldClaim {
  scope: string;
  key: string;
  ownerToken: string;
  fingerprint: string;
  request: CachedRequest;
}

/**
 * The copy of the response that is stored: members the route marked sensitive are `null` in it and
 * named in `Idempotent-Redacted`. The live answer keeps its secrets.
 */
function storedResponseOf(
  status: number,
  headers: StoredResponse["headers"],
  bytes: StoredResponse["body"],
  sensitive: readonly string[] | undefined,
): StoredResponse {
  return sensitive
    ? {
        status,
        headers: {
          ...headers,
          [REDACTED_HEADER.toLowerCase()]: serializeList(sensitive.map((p) => [p, new Map()])),
        },
        body: redactJsonFields(bytes, sensitive),
      }
    : { status, headers, body: bytes };
}

/**
 * Ends the claim once the handler has answered: a 4xx, a thrown error or (unless `storeServerErrors`)
 * a 5xx releases the key so a retry runs again; anything else is stored, then cached for replays.
 * Store failures never change the client's answer: they go to `onStoreError`, and the claim lapses
 * after `lockTtlMs`.
 *
 * @example
 * await next();
 * await finishClaim(settings, c, { scope, key, ownerToken, fingerprint, request });
 */
export async function finishClaim(
  settings: IdempotencySettings,
  c: Context,
  claim: HeldClaim,
): Promise<void> {
  const { store, storeServerErrors, onStoreError, replayedHeaders, clock, retentionMs, cache } = settings;
  const { scope, key, ownerToken, fingerprint, request } = claim;
  const res = c.res;
  const status = res.status;
  const keep = !c.error && (status < 400 || (status >= 500 && storeServerErrors));
  if (!keep) {
    try {
      await store.release({ scope, key, ownerToken });
    } catch (error) {
      // The lock lapses by itself; the retry then runs.
      onStoreError?.(error, "release", c);
    }
    return;
  }

  const { bytes, response: sent, headers } = await readResponseBody(res, (name) => replayedHeaders.has(name));
  if (sent !== res) {
    // Unset first: assigning over an existing response makes Hono re-wrap its body as a stream,
    // which pushes @hono/node-server off its fast path for buffered bodies.
    c.res = undefined;
    c.res = sent;
  }
  const response = storedResponseOf(status, headers, bytes, sensitiveFieldsOf(c));
  const completedAt = clock();
  const onError = (error: unknown) => onStoreError?.(error, "complete", c);
  try {
    const input = { scope, key, ownerToken, response, now: completedAt, retentionMs };
    if (await completeWithRetry(store, input, settings.completeRetryDelaysMs, onError)) {
      cache?.set(scope, key, { fingerprint, response, expiresAt: completedAt + retentionMs, request });
    }
  } catch (error) {
    // The work is done and the client gets its answer; the claim lapses after lockTtlMs.
    onError(error);
  }
}
