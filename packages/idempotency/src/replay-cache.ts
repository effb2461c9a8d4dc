/** @module Completed responses kept in process memory, so most replays cost no round trip. */
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
  /** Least recently used entries go first beyond this. @default 10_000 */
  maxEntries?: number;
  /**
   * Larger responses are not cached (they are still stored and replayed from the store); larger
   * request bodies are not kept for the byte comparison. @default 65_536
   */
  maxBodyBytes?: number;
}

/**
 * Why caching is safe: a completed record never changes until it expires (stores refuse to complete
 * or release a completed record, and only expiry removes it), so any node may serve it from memory
 * until `expiresAt`, the same instant the store stops serving it.
 *
 * @example
 * const cache = createReplayCache({ maxEntries: 1000 });
 * cache.set("ten_1", "key-1", { fingerprint, response, expiresAt });
 */
export function createReplayCache(options: ReplayCacheOptions = {}) {
  const maxEntries = options.maxEntries ?? 10_000;
  const maxBodyBytes = options.maxBodyBytes ?? 65_536;
  const entries = new Map<string, CachedCompletion>();
  const id = (scope: string, key: string) => `${scope}\u0000${key}`;

  return {
    get(scope: string, key: string, now: number): CachedCompletion | undefined {
      const k = id(scope, key);
      const entry = entries.get(k);
      if (!entry) return undefined;
      entries.delete(k);
      if (entry.expiresAt <= now) return undefined;
      entries.set(k, entry); // most recently used goes last
      return entry;
    },
    set(scope: string, key: string, entry: CachedCompletion): void {
      if (maxEntries <= 0 || entry.response.body.byteLength > maxBodyBytes) return;
      if (entry.request && entry.request.body.byteLength > maxBodyBytes)
        entry = { ...entry, request: undefined };
      const k = id(scope, key);
      entries.delete(k);
      entries.set(k, entry);
      if (entries.size > maxEntries) {
        const oldest = entries.keys().next().value;
        if (oldest !== undefined) entries.delete(oldest);
      }
    },
    get size() {
      return entries.size;
    },
  };
}

export type ReplayCache = ReturnType<typeof createReplayCache>;
