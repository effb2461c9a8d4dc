/** @module Idempotency records in Postgres (the `idempotency_keys` table of @org/db). */
import { affectedRows, type Database, rows } from "@org/db";
import { sql } from "drizzle-orm";
import type {
  ClaimInput,
  ClaimResult,
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

interface ClaimRow {
  n: number;
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
/** Statements Postgres aborted to break a deadlock (two batches locking rows in different orders) run again. */
const DEADLOCK_ATTEMPTS = 5;

/** Response bytes per completion statement at most (one larger response still goes alone). */
const MAX_COMPLETION_BYTES = 1 << 20;

const isDeadlock = (e: unknown): boolean => {
  for (let cur = e; cur instanceof Object; cur = (cur as { cause?: unknown }).cause)
    if ((cur as { code?: unknown }).code === "40P01") return true;
  return false;
};

async function retryingDeadlocks<T>(statement: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await statement();
    } catch (e) {
      if (attempt >= DEADLOCK_ATTEMPTS || !isDeadlock(e)) throw e;
    }
  }
}

const keyOf = (input: { scope: string; key: string }) => `${input.scope}\u0000${input.key}`;

/** What Postgres text cannot hold: NUL, and a lone surrogate (which JSON would carry as an escape). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, "g");
const unstorable = (text: string) => text.includes("\u0000") || LONE_SURROGATE.test(text);

/**
 * Checked one by one before a claim joins a batch: a value Postgres would refuse must fail its own
 * claim only, never the statement carrying other callers' claims.
 */
function assertStorable(input: ClaimInput): void {
  for (const text of [input.scope, input.key, input.method, input.fingerprint, input.ownerToken])
    if (unstorable(text))
      throw new TypeError(
        "idempotency: scope, key, method, fingerprint and owner token must be NUL-free, well-formed text",
      );
}

/**
 * The path is kept for reading only (the fingerprint decides whether requests match), so what text
 * cannot hold (e.g. a NUL from `%00` in the URL) is stored as U+FFFD instead of failing the batch.
 */
const storablePath = (path: string) => path.replaceAll("\u0000", "\uFFFD").replace(LONE_SURROGATES, "\uFFFD");

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

  async function claimAll(inputs: ClaimInput[]): Promise<(ClaimRow | undefined)[]> {
    const json = JSON.stringify(
      inputs.map((input, n) => ({
        n,
        scope: input.scope,
        key: input.key,
        method: input.method,
        path: storablePath(input.path),
        fingerprint: input.fingerprint,
        owner_token: input.ownerToken,
        now: iso(input.now),
        locked_until: iso(input.now + input.lockTtlMs),
        expires_at: iso(input.now + input.retentionMs),
      })),
    );
    // One statement reads or claims every input, in one round trip.
    // - `live`: a completed record, or one whose claim still holds. A replay stops here: the insert
    //   below then skips it (no row lock, no WAL for it; a batch of replays writes nothing).
    // - `claimed`: INSERT .. ON CONFLICT serialises competing claims on the primary key (no
    //   read-then-insert race). The DO UPDATE takes over only a record whose lock lapsed (crashed
    //   holder) or that expired, re-checked on the latest row version, and otherwise changes nothing.
    //   Rows are inserted in key order, so two batches lock shared keys in the same order.
    // Both read the statement's snapshot: when a racing claim commits in between, the insert finds
    // its row but `live` cannot see it, so that input gets no answer and the caller asks again.
    const result = await retryingDeadlocks(() =>
      db.execute(sql`
      WITH input AS (
        SELECT * FROM jsonb_to_recordset(${json}::jsonb) AS i(n int, scope text, key text, method text,
          path text, fingerprint text, owner_token text, now timestamptz, locked_until timestamptz,
          expires_at timestamptz)
      ), live AS (
        SELECT i.n, k.fingerprint, k.state, extract(epoch FROM k.locked_until)::float8 * 1000 AS locked_until_ms,
          extract(epoch FROM k.expires_at)::float8 * 1000 AS expires_at_ms,
          k.response_status, k.response_headers::text AS response_headers, k.response_body
        FROM input i JOIN idempotency_keys k ON k.scope = i.scope AND k.key = i.key
        WHERE k.expires_at > i.now AND (k.state = 'completed' OR k.locked_until > i.now)
      ), claimed AS (
        INSERT INTO idempotency_keys AS k
          (scope, key, method, path, fingerprint, state, owner_token, locked_until, created_at, expires_at)
        SELECT i.scope, i.key, i.method, i.path, i.fingerprint, 'in_progress', i.owner_token,
          i.locked_until, i.now, i.expires_at
        FROM input i WHERE NOT EXISTS (SELECT 1 FROM live l WHERE l.n = i.n)
        ORDER BY i.scope, i.key
        ON CONFLICT (scope, key) DO UPDATE SET
          method = excluded.method, path = excluded.path, fingerprint = excluded.fingerprint,
          state = 'in_progress', owner_token = excluded.owner_token, locked_until = excluded.locked_until,
          response_status = NULL, response_headers = NULL, response_body = NULL,
          created_at = excluded.created_at, expires_at = excluded.expires_at
        WHERE k.expires_at <= excluded.created_at
          OR (k.state = 'in_progress' AND k.locked_until <= excluded.created_at)
        RETURNING k.scope, k.key
      )
      SELECT i.n, true AS claimed, NULL::text AS fingerprint, NULL::text AS state,
        NULL::float8 AS locked_until_ms, NULL::float8 AS expires_at_ms, NULL::int AS response_status,
        NULL::text AS response_headers, NULL::bytea AS response_body
      FROM claimed c JOIN input i ON i.scope = c.scope AND i.key = c.key
      UNION ALL
      SELECT n, false, fingerprint, state, locked_until_ms, expires_at_ms, response_status, response_headers, response_body
      FROM live`),
    );
    const answers: (ClaimRow | undefined)[] = new Array(inputs.length);
    for (const row of rows<ClaimRow>(result)) answers[Number(row.n)] = row;
    return answers;
  }

  async function completeAll(inputs: CompleteInput[]): Promise<boolean[]> {
    const json = JSON.stringify(
      inputs.map((input, n) => {
        const { body, headers, status } = input.response;
        return {
          n,
          scope: input.scope,
          key: input.key,
          owner_token: input.ownerToken,
          status,
          headers,
          body: Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("base64"),
          expires_at: iso(input.now + input.retentionMs),
        };
      }),
    );
    const result = await retryingDeadlocks(() =>
      db.execute(sql`
      UPDATE idempotency_keys AS k SET state = 'completed', locked_until = NULL,
        response_status = i.status, response_headers = i.headers,
        response_body = decode(i.body, 'base64'), expires_at = i.expires_at
      FROM jsonb_to_recordset(${json}::jsonb) AS i(n int, scope text, key text, owner_token text,
        status int, headers jsonb, body text, expires_at timestamptz)
      WHERE k.scope = i.scope AND k.key = i.key AND k.owner_token = i.owner_token
        AND k.state = 'in_progress'
      RETURNING i.n`),
    );
    const done = new Array<boolean>(inputs.length).fill(false);
    for (const row of rows<{ n: number }>(result)) done[Number(row.n)] = true;
    return done;
  }

  const claimBatched = createTickBatcher(claimAll, batching);
  const completeBatched = createTickBatcher(completeAll, {
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
