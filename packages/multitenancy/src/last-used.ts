/** @module `last_used_at` in batches: one UPDATE per flush for every key used since the last one. */
import type { Database } from "@org/db";
import { sql } from "drizzle-orm";
import type { ApiKeyPrincipal } from "./api-keys.js";

/**
 * Batches of `last_used_at` writes.
 *
 * @example
 * batcher.touch(principal); await batcher.flush();
 */
export interface LastUsedBatcher {
  /** Records a use in memory (no I/O). */
  touch(principal: ApiKeyPrincipal): void;
  /** Writes every pending use in one statement. */
  flush(): Promise<number>;
  /** Stops the timer and flushes. */
  close(): Promise<void>;
  readonly pending: number;
}

/**
 * Options of {@link createLastUsedBatcher}.
 *
 * @example
 * createLastUsedBatcher({ db, flushIntervalMs: 5_000 });
 */
export interface LastUsedBatcherOptions {
  db: Database;
  /** @default 10_000 */
  flushIntervalMs?: number;
  /** @default () => new Date() */
  now?: () => Date;
  onError?: (error: unknown) => void;
}

/**
 * Batches `last_used_at` updates. A key used a thousand times between flushes costs one row in one
 * statement. Losing the last few seconds of `last_used_at` on a crash is acceptable: it is a hint
 * for humans, never used for authorisation.
 *
 * @example
 * const batcher = createLastUsedBatcher({ db });
 * const keys = createApiKeyService({ db, bus, onUsed: batcher.touch });
 */
export function createLastUsedBatcher(options: LastUsedBatcherOptions): LastUsedBatcher {
  const { db, flushIntervalMs = 10_000, now, onError } = options;
  // Milliseconds, not Dates, on the hot path: a Date per request is an allocation for nothing.
  const clock = now ? () => now().getTime() : Date.now;
  // By key id (ids are unique across tenants); a key used again updates its entry in place.
  let pending = new Map<string, { tenantId: string; keyId: string; at: number }>();
  const flush = async () => {
    if (pending.size === 0) return 0;
    const batch = [...pending.values()];
    pending = new Map();
    const values = sql.join(
      batch.map((u) => sql`(${u.tenantId}, ${u.keyId}, ${new Date(u.at).toISOString()}::timestamptz)`),
      sql`, `,
    );
    // Only moves last_used_at forward: a slow flush from another node cannot move it back.
    await db.execute(sql`
      update api_keys set last_used_at = v.at
      from (values ${values}) as v(tenant_id, id, at)
      where api_keys.tenant_id = v.tenant_id and api_keys.id = v.id
        and (api_keys.last_used_at is null or api_keys.last_used_at < v.at)`);
    return batch.length;
  };
  const timer = setInterval(() => {
    flush().catch((error) => onError?.(error));
  }, flushIntervalMs);
  timer.unref();
  return {
    touch(principal) {
      const at = clock();
      const entry = pending.get(principal.keyId);
      if (entry) entry.at = at;
      else pending.set(principal.keyId, { tenantId: principal.tenantId, keyId: principal.keyId, at });
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
    get pending() {
      return pending.size;
    },
  };
}
