/** @module Completed responses kept in process memory, so most replays cost no round trip. */
import { LRUCache } from "lru-cache";
import type { StoredResponse } from "./store.js";

/** A request known to match a cached completion. */
export interface CachedRequest {
  method: string;
  /** Path with query string. */
  target: string;
  contentType: string | undefined;
  body: Uint8Array;
}

/**
 * Whether two requests are byte for byte the same (then their fingerprints are equal too).
 *
 * @example
 * if (sameRequest(cached.request, request)) return replay(cached.response);
 */
export function sameRequest(a: CachedRequest | undefined, b: CachedRequest): boolean {
  return (
    a !== undefined &&
    a.method === b.method &&
    a.target === b.target &&
    a.contentType === b.contentType &&
    Buffer.from(a.body.buffer, a.body.byteOffset, a.body.byteLength).equals(b.body)
  );
}

export interface CachedCompletion {
  fingerprint: string;
  /** One request that matched it, kept so a byte-identical retry needs no hashing. */
  request?: CachedRequest;
  response: StoredResponse;
  /** Epoch ms: never served at or after this instant. */
  expiresAt: number;
}

export interface ReplayCacheOptions {
  /**
   * Least recently used entries go first once the entries' bytes (bodies, headers, strings, plus a
   * fixed per-entry overhead) exceed this. @default 67_108_864 (64 MiB)
   */
  maxBytes?: number;
  /** Least recently used entries go first beyond this many. @default 10_000 */
  maxEntries?: number;
  /**
   * Larger responses are not cached (they are still stored and replayed from the store); larger
   * request bodies are not kept for the byte comparison. @default 65_536
   */
  maxBodyBytes?: number;
}

/** Map slot, key string, object headers: a rough constant so that tiny entries still count. */
const ENTRY_OVERHEAD_BYTES = 256;

/** What an entry holds in memory, approximately (strings counted at 2 bytes per UTF-16 unit). */
function entryBytes(entry: CachedCompletion, id: string): number {
  let bytes =
    ENTRY_OVERHEAD_BYTES + 2 * (id.length + entry.fingerprint.length) + entry.response.body.byteLength;
  for (const [name, value] of Object.entries(entry.response.headers))
    bytes += 2 * (name.length + value.length);
  if (entry.request) {
    const { method, target, contentType, body } = entry.request;
    bytes += body.byteLength + 2 * (method.length + target.length + (contentType?.length ?? 0));
  }
  return bytes;
}

/**
 * An LRU cache of completed responses (`lru-cache`), bounded by entries and by bytes.
 *
 * Why caching is safe: a completed record never changes until it expires (stores refuse to complete
 * or release a completed record, and only expiry removes it), so any node may serve it from memory
 * until `expiresAt`, the same instant the store stops serving it.
 *
 * @param [options.maxBytes=67_108_864] byte budget of all entries
 * @param [options.maxEntries=10_000] entry budget
 * @param [options.maxBodyBytes=65_536] larger responses are not cached
 * @throws Error at creation when a bound is not a positive integer
 * @example
 * const cache = createReplayCache({ maxBytes: 16 * 1024 * 1024 });
 * cache.set("ten_1", "key-1", { fingerprint, response, expiresAt });
 * cache.get("ten_1", "key-1", Date.now());
 */
export function createReplayCache(options: ReplayCacheOptions = {}) {
  const { maxBytes = 64 * 1024 * 1024, maxEntries = 10_000, maxBodyBytes = 65_536 } = options;
  for (const [name, value] of Object.entries({ maxBytes, maxEntries })) {
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`replay cache: ${name} must be a positive integer`);
  }
  const entries = new LRUCache<string, CachedCompletion>({
    max: maxEntries,
    maxSize: maxBytes,
    sizeCalculation: entryBytes,
  });
  const id = (scope: string, key: string) => `${scope}\u0000${key}`;

  return {
    get(scope: string, key: string, now: number): CachedCompletion | undefined {
      const k = id(scope, key);
      const entry = entries.get(k);
      if (entry && entry.expiresAt <= now) {
        entries.delete(k);
        return undefined;
      }
      return entry;
    },
    set(scope: string, key: string, entry: CachedCompletion): void {
      if (entry.response.body.byteLength > maxBodyBytes) return;
      if (entry.request && entry.request.body.byteLength > maxBodyBytes)
        entry = { ...entry, request: undefined };
      entries.set(id(scope, key), entry);
    },
    /** How many entries are cached. */
    get size() {
      return entries.size;
    },
    /** The entries' bytes as counted against `maxBytes`. */
    get bytes() {
      return entries.calculatedSize;
    },
  };
}

export type ReplayCache = ReturnType<typeof createReplayCache>;
