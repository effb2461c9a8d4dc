/** @module Idempotency records in Postgres (the `idempotency_keys` table of @org/db). */
import { affectedRows, type Database } from "@org/db";
import { sql } from "drizzle-orm";
import { assertStorable, claimAll, toClaimResult } from "./postgres-claims.js";
import { completeAll, MAX_COMPLETION_BYTES } from "./postgres-completions.js";
import { iso } from "./postgres-sql.js";
import type {
  ClaimInput,
  CompleteInput,
  IdempotencyStore,
  ReleaseInput,
  RenewInput,
  SweepInput,
} from "./store.js";
import { createTickBatcher } from "./tick-batcher.js";

export interface PostgresStoreOptions {
  db: Database;
  /** Claims (or completions) per statement at most. @default 256 */
  maxBatch?: number;
  /**
   * Claim statements (and, apart, completion statements) running at once at most: the store takes
   * up to twice this many connections of the pool under load. @default 2
   */
  maxInFlight?: number;
}

/** A few rounds are enough: an empty answer only means a competing insert committed mid-statement. */
const CLAIM_ATTEMPTS = 5;

const keyOf = (input: { scope: string; key: string }) => `${input.scope}\u0000${input.key}`;

/**
 * A store over the `idempotency_keys` table. Works on Postgres and PGlite; time comes from the
 * caller's clock (`now`), never from the database, so expiry follows the injected clock.
 *
 * Claims and completions arriving in the same event-loop tick go to Postgres as one statement each
 * (at most `maxBatch` per statement, `maxInFlight` statements at once): under load a first
 * execution costs a share of two statements and two commits instead of two of each. The inputs
 * travel as one JSON document (`jsonb_to_recordset`), so the statement's text never changes.
 *
 * @example
 * const store = createPostgresStore({ db: createDb({ driver: "postgres", url }) });
 */
export function createPostgresStore(options: PostgresStoreOptions): IdempotencyStore {
  const { db } = options;
  const batching = { maxBatch: options.maxBatch ?? 256, maxInFlight: options.maxInFlight ?? 2, keyOf };
  const claimBatched = createTickBatcher((inputs: ClaimInput[]) => claimAll(db, inputs), batching);
  const completeBatched = createTickBatcher((inputs: CompleteInput[]) => completeAll(db, inputs), {
    ...batching,
    sizeOf: (input) => input.response.body.byteLength,
    maxSize: MAX_COMPLETION_BYTES,
  });

  return {
    async claim(input) {
      assertStorable(input);
      for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
        const row = await claimBatched(input);
        if (row) return toClaimResult(row);
      }
      throw new Error("idempotency claim did not settle");
    },

    complete: completeBatched,

    async renew(input: RenewInput) {
      const lockedUntil = iso(input.now + input.lockTtlMs);
      // Owner-checked like complete: a holder whose claim was taken over cannot extend the new one.
      const result = await db.execute(sql`
        UPDATE idempotency_keys SET locked_until = ${lockedUntil}::timestamptz,
          expires_at = greatest(expires_at, ${lockedUntil}::timestamptz)
        WHERE scope = ${input.scope} AND key = ${input.key}
          AND owner_token = ${input.ownerToken} AND state = 'in_progress'`);
      return affectedRows(result) === 1;
    },

    async release(input: ReleaseInput) {
      const result = await db.execute(sql`
        DELETE FROM idempotency_keys
        WHERE scope = ${input.scope} AND key = ${input.key}
          AND owner_token = ${input.ownerToken} AND state = 'in_progress'`);
      return affectedRows(result) === 1;
    },

    async sweep(input: SweepInput) {
      // SKIP LOCKED: a sweep never waits on (or blocks) a claim that is taking over an expired row.
      const result = await db.execute(sql`
        DELETE FROM idempotency_keys
        WHERE (scope, key) IN (
          SELECT scope, key FROM idempotency_keys
          WHERE expires_at <= ${iso(input.now)}::timestamptz
          LIMIT ${input.batchSize}
          FOR UPDATE SKIP LOCKED)`);
      return affectedRows(result);
    },
  };
}
