/** @module Idempotency records in Postgres (the `idempotency_keys` table of @org/db). */
import { affectedRows, type Database, rows } from "@org/db";
import { sql } from "drizzle-orm";
import type {
  ClaimInput,
  ClaimResult,
  CompleteInput,
  IdempotencyStore,
  ReleaseInput,
  SweepInput,
} from "./store.js";

export interface PostgresStoreOptions {
  db: Database;
}

interface ClaimRow {
  claimed: boolean;
  fingerprint: string | null;
  state: "in_progress" | "completed" | null;
  locked_until_ms: number | null;
  expires_at_ms: number | null;
  response_status: number | null;
  response_headers: string | null;
  response_body: Uint8Array | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A few rounds are enough: an empty answer only means a competing insert committed mid-statement. */
const CLAIM_ATTEMPTS = 5;

/**
 * A store over the `idempotency_keys` table. Works on Postgres and PGlite; time comes from the
 * caller's clock (`now`), never from the database, so expiry follows the injected clock.
 *
 * @example
 * const store = createPostgresStore({ db: createDb({ driver: "postgres", url }) });
 */
export function createPostgresStore(options: PostgresStoreOptions): IdempotencyStore {
  const { db } = options;

  async function claimOnce(input: ClaimInput): Promise<ClaimRow | undefined> {
    const now = iso(input.now);
    // One statement reads or claims, in one round trip.
    // - `live`: a completed record, or one whose claim still holds. A replay stops here: the insert
    //   below then inserts nothing, so the statement writes nothing (no row lock, no WAL flush).
    // - `claimed`: INSERT .. ON CONFLICT serialises competing claims on the primary key (no
    //   read-then-insert race). The DO UPDATE takes over only a record whose lock lapsed (crashed
    //   holder) or that expired, re-checked on the latest row version, and otherwise changes nothing.
    // Both read the statement's snapshot: when a racing claim commits in between, the insert finds
    // its row but `live` cannot see it, so the result is empty and the caller asks again.
    const result = await db.execute(sql`
      WITH live AS (
        SELECT fingerprint, state, extract(epoch FROM locked_until)::float8 * 1000 AS locked_until_ms,
          extract(epoch FROM expires_at)::float8 * 1000 AS expires_at_ms,
          response_status, response_headers::text AS response_headers, response_body
        FROM idempotency_keys
        WHERE scope = ${input.scope} AND key = ${input.key} AND expires_at > ${now}::timestamptz
          AND (state = 'completed' OR locked_until > ${now}::timestamptz)
      ), claimed AS (
        INSERT INTO idempotency_keys AS k
          (scope, key, method, path, fingerprint, state, owner_token, locked_until, created_at, expires_at)
        SELECT ${input.scope}::text, ${input.key}::text, ${input.method}::text, ${input.path}::text,
          ${input.fingerprint}::text, 'in_progress', ${input.ownerToken}::text,
          ${iso(input.now + input.lockTtlMs)}::timestamptz, ${now}::timestamptz,
          ${iso(input.now + input.retentionMs)}::timestamptz
        WHERE NOT EXISTS (SELECT 1 FROM live)
        ON CONFLICT (scope, key) DO UPDATE SET
          method = excluded.method, path = excluded.path, fingerprint = excluded.fingerprint,
          state = 'in_progress', owner_token = excluded.owner_token, locked_until = excluded.locked_until,
          response_status = NULL, response_headers = NULL, response_body = NULL,
          created_at = excluded.created_at, expires_at = excluded.expires_at
        WHERE k.expires_at <= ${now}::timestamptz
          OR (k.state = 'in_progress' AND k.locked_until <= ${now}::timestamptz)
        RETURNING 1
      )
      SELECT true AS claimed, NULL::text AS fingerprint, NULL::text AS state,
        NULL::float8 AS locked_until_ms, NULL::float8 AS expires_at_ms, NULL::int AS response_status,
        NULL::text AS response_headers, NULL::bytea AS response_body
      FROM claimed
      UNION ALL
      SELECT false, fingerprint, state, locked_until_ms, expires_at_ms, response_status, response_headers, response_body
      FROM live`);
    return rows<ClaimRow>(result)[0];
  }

  return {
    async claim(input) {
      for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
        const row = await claimOnce(input);
        if (!row) continue;
        return toClaimResult(row);
      }
      throw new Error("idempotency claim did not settle");
    },

    async complete(input: CompleteInput) {
      const { response } = input;
      const result = await db.execute(sql`
        UPDATE idempotency_keys SET state = 'completed', locked_until = NULL,
          response_status = ${response.status}, response_headers = ${JSON.stringify(response.headers)}::jsonb,
          response_body = ${Buffer.from(response.body.buffer, response.body.byteOffset, response.body.byteLength)},
          expires_at = ${iso(input.now + input.retentionMs)}::timestamptz
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

function toClaimResult(row: ClaimRow): ClaimResult {
  if (row.claimed) return { kind: "claimed" };
  const fingerprint = row.fingerprint ?? "";
  if (row.state === "completed") {
    return {
      kind: "completed",
      fingerprint,
      expiresAt: Number(row.expires_at_ms),
      response: {
        status: Number(row.response_status),
        headers: JSON.parse(row.response_headers ?? "{}") as Record<string, string>,
        body: new Uint8Array(row.response_body ?? new Uint8Array()),
      },
    };
  }
  return { kind: "in_progress", fingerprint, lockedUntil: Number(row.locked_until_ms) };
}
