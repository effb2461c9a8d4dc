/** @module idempotency(): the IETF Idempotency-Key draft for Hono, with Stripe's semantics. */
import { randomUUID } from "node:crypto";
import { ProblemError } from "@org/problem";
import { requestHeader } from "@org/server-kit";
import type { Context, MiddlewareHandler } from "hono";
import { serializeList } from "structured-headers";
import { requestFingerprint } from "../fingerprint.js";
import { parseIdempotencyKey } from "../key.js";
import { REDACTED_HEADER, redactJsonFields } from "../redaction.js";
import {
  type CachedRequest,
  createReplayCache,
  type ReplayCacheOptions,
  sameRequest,
} from "../replay-cache.js";
import type { ClaimResult, IdempotencyStore, StoredResponse } from "../store.js";
import { completeWithRetry } from "./complete-with-retry.js";
import { startLockHeartbeat } from "./lock-heartbeat.js";
import { type IdempotencyVariables, REPLAYED_HEADER } from "./replayed.js";
import { readRequestBody } from "./request-body.js";
import { bodyFor, readResponseBody } from "./response-body.js";
import { sensitiveFieldsOf } from "./sensitive-fields.js";

const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_METHODS = ["POST", "PUT", "PATCH", "DELETE"] as const;
const DEFAULT_COMPLETE_RETRY_DELAYS_MS = [50, 100, 200, 400, 800] as const;
/**
 * Headers safe to replay to the same caller. Set-Cookie is never stored, even if listed.
 *
 * @example
 * idempotency({ store, scope, replayedHeaders: [...DEFAULT_REPLAYED_HEADERS, "x-resource-version"] });
 */
export const DEFAULT_REPLAYED_HEADERS = [
  "cache-control",
  "content-language",
  "content-location",
  "content-type",
  "etag",
  "expires",
  "last-modified",
  "link",
  "location",
] as const;

/** The claim, or a rejection after `timeoutMs`; a claim that lands after that is released again. */
function claimWithin(
  claim: Promise<ClaimResult>,
  timeoutMs: number,
  release: () => Promise<unknown>,
): Promise<ClaimResult> {
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      reject(new Error(`idempotency store did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    claim.then(
      (result) => {
        clearTimeout(timer);
        if (!timedOut) return resolve(result);
        if (result.kind === "claimed") release().catch(() => {});
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * Options of {@link idempotency}.
 *
 * @example
 * const options: IdempotencyOptions = { store: createMemoryStore(), scope: () => "self", required: true };
 */
export interface IdempotencyOptions {
  store: IdempotencyStore;
  /**
   * The caller a key belongs to (tenant id, API key id): keys are looked up within it, so two
   * callers using the same key never see each other's responses.
   */
  scope: (c: Context) => string | Promise<string>;
  /** Answer 400 `idempotency_key_missing` when a mutating request has no key. @default false */
  required?: boolean;
  /** Methods the middleware acts on; others pass through. @default ["POST","PUT","PATCH","DELETE"] */
  methods?: readonly string[];
  /**
   * How long a claim holds without a heartbeat. While the handler runs, the claim is renewed every
   * `renewIntervalMs`, so a slow handler keeps its key; when a crashed process stops renewing, the
   * claim lapses after this and a retry runs the request again. @default 60_000
   */
  lockTtlMs?: number;
  /** How often the claim is renewed while the handler runs; below `lockTtlMs`. @default lockTtlMs / 3 */
  renewIntervalMs?: number;
  /**
   * Waits between attempts to store the response when the store throws; the claim keeps being renewed
   * meanwhile. After the last, the client still gets its answer and the claim lapses after
   * `lockTtlMs`. @default [50, 100, 200, 400, 800]
   */
  completeRetryDelaysMs?: readonly number[];
  /** How long a completed response is replayed. @default 86_400_000 (24 h) */
  retentionMs?: number;
  /**
   * 5xx policy. `false` (default): a 5xx (or a thrown error) releases the key, so the client's retry
   * with the same key runs again; handlers must then be safe to re-run (transactions, runOnce).
   * `true`: a 5xx returned by the handler is stored and replayed like Stripe does; thrown errors
   * still release.
   */
  storeServerErrors?: boolean;
  /** Response headers stored and replayed (case-insensitive). @default DEFAULT_REPLAYED_HEADERS */
  replayedHeaders?: readonly string[];
  /** Epoch ms. @default Date.now */
  clock?: () => number;
  /**
   * A claim that takes longer answers 503 (the store counts as unreachable); if it still succeeds
   * later, the claim is released at once so the client's retry is not refused with a 409.
   * @default 5_000
   */
  storeTimeoutMs?: number;
  /** Completed responses kept in memory (LRU, 64 MiB by default) so replays skip the store; `false` turns it off. */
  replayCache?: ReplayCacheOptions | false;
  /**
   * Store failures (for logs). A failed claim answers 503; a failed complete is retried and still
   * answers; `renew` reports a failed renewal, or (`lost`) a claim that is no longer ours.
   */
  onStoreError?: (error: unknown, phase: "claim" | "renew" | "complete" | "release", c: Context) => void;
}

/**
 * The Idempotency-Key middleware. Mount it on mutating routes, after authentication (the scope
 * needs the caller) and before rate limiting and metering, so a replay answers before them and
 * consumes neither; metering mounted outside it can ask {@link isIdempotentReplay}.
 *
 * - no key: passes through (or 400 `idempotency_key_missing` when `required`);
 * - a malformed key: 400 `idempotency_key_invalid`;
 * - a new key: claims it atomically, runs the handler, stores a 2xx/3xx response
 *   (status, body bytes, allow-listed headers); a 4xx is not stored (a corrected retry runs);
 *   5xx as `storeServerErrors` says;
 * - a completed key: the stored response byte for byte with `Idempotent-Replayed: true`, the handler
 *   does not run (members the route marked with `markSensitiveFields` were stored as `null` and the
 *   replay says so in `Idempotent-Redacted`); another request (method, path or body) under the key: 422 `idempotency_key_mismatch`;
 * - a key in flight: 409 `idempotency_key_in_use` with `Retry-After`;
 * - the store unreachable: 503 `idempotency_store_unavailable` and nothing runs.
 *
 * @param options.store where records live (memory, Postgres, Redis)
 * @param options.scope the caller the keys belong to
 * @returns a Hono middleware setting {@link IdempotencyVariables}
 * @throws Error at creation when `lockTtlMs` or `retentionMs` is not positive, or `renewIntervalMs`
 *   is not below `lockTtlMs`
 * @example
 * app.use("/v1/*", idempotency({
 *   store: createRedisStore({ redis }),
 *   scope: (c) => c.get("tenant").id,
 *   lockTtlMs: 60_000, // request timeout is 30 s
 * }));
 */
export const idempotency = (
  options: IdempotencyOptions,
): MiddlewareHandler<{ Variables: IdempotencyVariables }> => {
  const {
    store,
    scope: scopeOf,
    required = false,
    lockTtlMs = 60_000,
    retentionMs = DAY_MS,
    storeServerErrors = false,
    clock = Date.now,
    storeTimeoutMs = 5_000,
    onStoreError,
    renewIntervalMs = lockTtlMs / 3,
    completeRetryDelaysMs = DEFAULT_COMPLETE_RETRY_DELAYS_MS,
  } = options;
  if (!(lockTtlMs > 0) || !(retentionMs > 0)) throw new Error("lockTtlMs and retentionMs must be positive");
  if (!(renewIntervalMs > 0 && renewIntervalMs < lockTtlMs))
    throw new Error("renewIntervalMs must be positive and below lockTtlMs");
  if (retentionMs < lockTtlMs) throw new Error("retentionMs must be at least lockTtlMs");
  const methods = new Set((options.methods ?? DEFAULT_METHODS).map((m) => m.toUpperCase()));
  const replayed = new Set((options.replayedHeaders ?? DEFAULT_REPLAYED_HEADERS).map((h) => h.toLowerCase()));
  replayed.delete("set-cookie");
  const cache = options.replayCache === false ? undefined : createReplayCache(options.replayCache);

  const replay = (c: Context, response: StoredResponse): Response => {
    c.set("idempotencyReplayed", true);
    return new Response(bodyFor(response.status, response.body), {
      status: response.status,
      headers: { ...response.headers, [REPLAYED_HEADER]: "true" },
    });
  };

  const mismatch = (key: string) =>
    new ProblemError("idempotency_key_mismatch", {
      detail: `Idempotency-Key "${key}" was first used with a different request (method, path or body).`,
    });

  return async function idempotency(c, next) {
    c.set("idempotencyReplayed", false);
    c.set("idempotencyKey", undefined);
    if (!methods.has(c.req.method)) return next();

    const header = requestHeader(c, "idempotency-key");
    if (header === undefined) {
      if (required) {
        throw new ProblemError("idempotency_key_missing", {
          detail: "This route requires an Idempotency-Key.",
        });
      }
      return next();
    }
    const parsed = parseIdempotencyKey(header);
    if (!parsed.ok)
      throw new ProblemError("idempotency_key_invalid", { detail: `Idempotency-Key: ${parsed.reason}.` });
    const { key } = parsed;
    c.set("idempotencyKey", key);

    const scope = await scopeOf(c);
    const method = c.req.method;
    const path = c.req.path;
    const search = c.req.url.indexOf("?");
    const target = search === -1 ? path : path + c.req.url.slice(search);
    const contentType = requestHeader(c, "content-type");
    const body = await readRequestBody(c);
    const request: CachedRequest = { method, target, contentType, body };

    const now = clock();
    const cached = cache?.get(scope, key, now);
    // A byte-identical request skips hashing; anything else is compared by fingerprint.
    if (cached && sameRequest(cached.request, request)) return replay(c, cached.response);
    const fingerprint = requestFingerprint(method, target, contentType, body);
    if (cached) {
      if (cached.fingerprint !== fingerprint) throw mismatch(key);
      return replay(c, cached.response);
    }

    const ownerToken = randomUUID();
    let claim: ClaimResult;
    try {
      claim = await claimWithin(
        store.claim({ scope, key, method, path, fingerprint, ownerToken, now, lockTtlMs, retentionMs }),
        storeTimeoutMs,
        () => store.release({ scope, key, ownerToken }),
      );
    } catch (error) {
      onStoreError?.(error, "claim", c);
      // Fail closed: without the store we cannot know whether this key already ran.
      throw new ProblemError("idempotency_store_unavailable", {
        detail: "The idempotency store cannot be reached; nothing was done. Retry later with the same key.",
        headers: { "Retry-After": "1" },
      });
    }

    if (claim.kind === "completed") {
      if (claim.fingerprint !== fingerprint) throw mismatch(key);
      cache?.set(scope, key, { ...claim, request });
      return replay(c, claim.response);
    }
    if (claim.kind === "in_progress") {
      if (claim.fingerprint !== fingerprint) throw mismatch(key);
      const retryAfter = Math.max(1, Math.ceil((claim.lockedUntil - now) / 1000));
      throw new ProblemError("idempotency_key_in_use", {
        detail: `A request with Idempotency-Key "${key}" is still in progress.`,
        headers: { "Retry-After": String(retryAfter) },
      });
    }

    const heartbeat = startLockHeartbeat({
      store,
      claim: { scope, key, ownerToken, lockTtlMs },
      clock,
      intervalMs: renewIntervalMs,
      onError: (error) => onStoreError?.(error, "renew", c),
      onLost: () => onStoreError?.(new Error(`idempotency claim of "${key}" was lost`), "renew", c),
    });
    try {
      await next();
      await finish(c, { scope, key, ownerToken, fingerprint, request });
    } finally {
      heartbeat.stop();
    }
  };

  async function finish(
    c: Context,
    claim: { scope: string; key: string; ownerToken: string; fingerprint: string; request: CachedRequest },
  ): Promise<void> {
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

    const { bytes, response: sent, headers } = await readResponseBody(res, (name) => replayed.has(name));
    if (sent !== res) {
      // Unset first: assigning over an existing response makes Hono re-wrap its body as a stream,
      // which pushes @hono/node-server off its fast path for buffered bodies.
      c.res = undefined;
      c.res = sent;
    }
    const sensitive = sensitiveFieldsOf(c);
    // The live answer keeps its secrets; only the stored copy (and the replay cache) is redacted.
    const response: StoredResponse = sensitive
      ? {
          status,
          headers: {
            ...headers,
            [REDACTED_HEADER.toLowerCase()]: serializeList(sensitive.map((p) => [p, new Map()])),
          },
          body: redactJsonFields(bytes, sensitive),
        }
      : { status, headers, body: bytes };
    const completedAt = clock();
    const onError = (error: unknown) => onStoreError?.(error, "complete", c);
    try {
      const input = { scope, key, ownerToken, response, now: completedAt, retentionMs };
      if (await completeWithRetry(store, input, completeRetryDelaysMs, onError)) {
        cache?.set(scope, key, { fingerprint, response, expiresAt: completedAt + retentionMs, request });
      }
    } catch (error) {
      // The work is done and the client gets its answer; the claim lapses after lockTtlMs.
      onError(error);
    }
  }
};
