/** @module The options of idempotency(): their defaults, their validation, and what is built from them once. */
import type { Context } from "hono";
import { createReplayCache, type ReplayCache, type ReplayCacheOptions } from "../replay-cache.js";
import type { IdempotencyStore } from "../store.js";

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

/**
 * Options of `idempotency()`.
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

/** The options with their defaults, validated, and the sets and cache built from them. */
export interface IdempotencySettings {
  store: IdempotencyStore;
  scopeOf: IdempotencyOptions["scope"];
  required: boolean;
  /** Upper-cased. */
  methods: ReadonlySet<string>;
  lockTtlMs: number;
  renewIntervalMs: number;
  completeRetryDelaysMs: readonly number[];
  retentionMs: number;
  storeServerErrors: boolean;
  /** Lower-cased, never `set-cookie`. */
  replayedHeaders: ReadonlySet<string>;
  clock: () => number;
  storeTimeoutMs: number;
  cache: ReplayCache | undefined;
  onStoreError: IdempotencyOptions["onStoreError"];
}

/**
 * Applies the defaults and checks the durations; called once, when the middleware is created.
 *
 * @throws Error when `lockTtlMs` or `retentionMs` is not positive, `renewIntervalMs` is not below
 *   `lockTtlMs`, or `retentionMs` is below `lockTtlMs`
 * @example
 * const settings = resolveIdempotencyOptions({ store: createMemoryStore(), scope: () => "self" });
 */
export function resolveIdempotencyOptions(options: IdempotencyOptions): IdempotencySettings {
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
  const replayedHeaders = new Set(
    (options.replayedHeaders ?? DEFAULT_REPLAYED_HEADERS).map((h) => h.toLowerCase()),
  );
  replayedHeaders.delete("set-cookie");
  const cache = options.replayCache === false ? undefined : createReplayCache(options.replayCache);
  return {
    store,
    scopeOf,
    required,
    methods,
    lockTtlMs,
    renewIntervalMs,
    completeRetryDelaysMs,
    retentionMs,
    storeServerErrors,
    replayedHeaders,
    clock,
    storeTimeoutMs,
    cache,
    onStoreError,
  };
}
