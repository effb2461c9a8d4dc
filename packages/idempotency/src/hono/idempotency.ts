/** @module idempotency(): the IETF Idempotency-Key draft for Hono, with Stripe's semantics. */
import { randomUUID } from "node:crypto";
import { ProblemError } from "@org/problem/hono";
import { requestHeader } from "@org/server-kit/hono";
import type { Context, MiddlewareHandler } from "hono";
import { requestFingerprint } from "../fingerprint.js";
import { parseIdempotencyKey } from "../key.js";
import { type CachedRequest, sameRequest } from "../replay-cache.js";
import type { ClaimResult } from "../store.js";
import { claimWithin } from "./claim-within.js";
import { finishClaim } from "./finish-claim.js";
import { keyInUse, keyMismatch, replay, storeUnavailable } from "./idempotency-answers.js";
import { type IdempotencyOptions, resolveIdempotencyOptions } from "./idempotency-options.js";
import { startLockHeartbeat } from "./lock-heartbeat.js";
import type { IdempotencyVariables } from "./replayed.js";
import { readRequestBody } from "./request-body.js";

export { DEFAULT_REPLAYED_HEADERS, type IdempotencyOptions } from "./idempotency-options.js";

/**
 * The request's Idempotency-Key, or `undefined` when it has none and none is `required`.
 *
 * @throws ProblemError `idempotency_key_missing` (none, but `required`) or `idempotency_key_invalid`
 */
function idempotencyKeyOf(c: Context, required: boolean): string | undefined {
  const header = requestHeader(c, "idempotency-key");
  if (header === undefined) {
    if (required) {
      throw new ProblemError("idempotency_key_missing", {
        detail: "This route requires an Idempotency-Key.",
      });
    }
    return undefined;
  }
  const parsed = parseIdempotencyKey(header);
  if (!parsed.ok)
    throw new ProblemError("idempotency_key_invalid", { detail: `Idempotency-Key: ${parsed.reason}.` });
  return parsed.key;
}

/** The path with its query string, as the request sent it. */
function requestTarget(c: Context): string {
  const path = c.req.path;
  const search = c.req.url.indexOf("?");
  return search === -1 ? path : path + c.req.url.slice(search);
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
  const settings = resolveIdempotencyOptions(options);
  const { store, scopeOf, required, methods, lockTtlMs, renewIntervalMs, retentionMs } = settings;
  const { clock, storeTimeoutMs, cache, onStoreError } = settings;

  return async function idempotency(c, next) {
    c.set("idempotencyReplayed", false);
    c.set("idempotencyKey", undefined);
    if (!methods.has(c.req.method)) return next();
    const key = idempotencyKeyOf(c, required);
    if (key === undefined) return next();
    c.set("idempotencyKey", key);

    const scope = await scopeOf(c);
    const method = c.req.method;
    const path = c.req.path;
    const target = requestTarget(c);
    const contentType = requestHeader(c, "content-type");
    const body = await readRequestBody(c);
    const request: CachedRequest = { method, target, contentType, body };

    const now = clock();
    const cached = cache?.get(scope, key, now);
    // A byte-identical request skips hashing; anything else is compared by fingerprint.
    if (cached && sameRequest(cached.request, request)) return replay(c, cached.response);
    const fingerprint = requestFingerprint(method, target, contentType, body);
    if (cached) {
      if (cached.fingerprint !== fingerprint) throw keyMismatch(key);
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
      throw storeUnavailable();
    }
    if (claim.kind !== "claimed" && claim.fingerprint !== fingerprint) throw keyMismatch(key);
    if (claim.kind === "completed") {
      cache?.set(scope, key, { ...claim, request });
      return replay(c, claim.response);
    }
    if (claim.kind === "in_progress") throw keyInUse(key, claim.lockedUntil, now);

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
      await finishClaim(settings, c, { scope, key, ownerToken, fingerprint, request });
    } finally {
      heartbeat.stop();
    }
  };
};
