/** @module In-process idempotency store: one process, tests, the embedded default. */
import type {
  ClaimInput,
  ClaimResult,
  CompleteInput,
  IdempotencyStore,
  ReleaseInput,
  RenewInput,
  StoredResponse,
  SweepInput,
} from "./store.js";

interface MemoryRecord {
  fingerprint: string;
  ownerToken: string;
  lockedUntil: number;
  expiresAt: number;
  response?: StoredResponse;
}

/**
 * A store in a Map. Each method runs synchronously to completion before it yields, which is what
 * makes `claim` atomic within one process; it is not shared between processes.
 *
 * @example
 * app.use("/v1/*", idempotency({ store: createMemoryStore(), scope: () => "self" }));
 */
export function createMemoryStore(): IdempotencyStore {
  const records = new Map<string, MemoryRecord>();
  const id = (scope: string, key: string) => `${scope}\u0000${key}`;

  return {
    async claim(input: ClaimInput): Promise<ClaimResult> {
      const k = id(input.scope, input.key);
      const existing = records.get(k);
      if (existing && existing.expiresAt > input.now) {
        if (existing.response) {
          return {
            kind: "completed",
            fingerprint: existing.fingerprint,
            response: existing.response,
            expiresAt: existing.expiresAt,
          };
        }
        if (existing.lockedUntil > input.now) {
          return {
            kind: "in_progress",
            fingerprint: existing.fingerprint,
            lockedUntil: existing.lockedUntil,
          };
        }
      }
      records.set(k, {
        fingerprint: input.fingerprint,
        ownerToken: input.ownerToken,
        lockedUntil: input.now + input.lockTtlMs,
        expiresAt: input.now + input.retentionMs,
      });
      return { kind: "claimed" };
    },

    async complete(input: CompleteInput): Promise<boolean> {
      const record = records.get(id(input.scope, input.key));
      if (!record || record.response || record.ownerToken !== input.ownerToken) return false;
      record.response = input.response;
      record.expiresAt = input.now + input.retentionMs;
      return true;
    },

    async renew(input: RenewInput): Promise<boolean> {
      const record = records.get(id(input.scope, input.key));
      if (!record || record.response || record.ownerToken !== input.ownerToken) return false;
      record.lockedUntil = input.now + input.lockTtlMs;
      record.expiresAt = Math.max(record.expiresAt, record.lockedUntil);
      return true;
    },

    async release(input: ReleaseInput): Promise<boolean> {
      const k = id(input.scope, input.key);
      const record = records.get(k);
      if (!record || record.response || record.ownerToken !== input.ownerToken) return false;
      records.delete(k);
      return true;
    },

    async sweep(input: SweepInput): Promise<number> {
      let deleted = 0;
      for (const [k, record] of records) {
        if (deleted >= input.batchSize) break;
        if (record.expiresAt <= input.now) {
          records.delete(k);
          deleted++;
        }
      }
      return deleted;
    },
  };
}
