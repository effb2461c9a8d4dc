/** @module Claiming a batch of idempotency keys in Postgres with one statement, and what each claim found. */
import { type Database, rows } from "@org/db";
import { sql } from "drizzle-orm";
import { iso, retryingDeadlocks } from "./postgres-sql.js";
import type { ClaimInput, ClaimResult } from "./store.js";

/** One input's answer: claimed now, or the live record that stops it. */
export interface ClaimRow {
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

/** What Postgres text cannot hold: NUL, and a lone surrogate (which JSON would carry as an escape). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, "g");
const unstorable = (text: string) => text.includes("\u0000") || LONE_SURROGATE.test(text);

/**
 * Checked one by one before a claim joins a batch: a value Postgres would refuse must fail its own
 * claim only, never the statement carrying other callers' claims.
 *
 * @example
 * assertStorable(input); // throws TypeError for a NUL in the key
 */
export function assertStorable(input: ClaimInput): void {
  for (const text of [input.scope, input.key, input.method, input.fingerprint, input.ownerToken])
    if (unstorable(text))
      throw new TypeError(
        "idempotency: scope, key, method, fingerprint and owner token must be NUL-free, well-formed text",
      );
}

/**
 * The path is kept for reading only (the fingerprint decides whether requests match), so what text
 * cannot hold (e.g. a NUL from `%00` in the URL) is stored as U+FFFD instead of failing the batch.
 *
 * @example
 * storablePath("/v1/a\u0000b"); // "/v1/a\uFFFDb"
 */
export const storablePath = (path: string) =>
  path.replaceAll("\u0000", "\uFFFD").replace(LONE_SURROGATES, "\uFFFD");

/**
 * Claims (or reads) every input in one statement. An input without an answer raced a claim that
 * committed mid-statement: its caller asks again.
 *
 * @example
 * const [row] = await claimAll(db, [input]);
 */
export async function claimAll(
  db: Database,
  inputs: readonly ClaimInput[],
): Promise<(ClaimRow | undefined)[]> {
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

/**
 * What a claim row tells the caller.
 *
 * @example
 * if (row) return toClaimResult(row);
 */
export function toClaimResult(row: ClaimRow): ClaimResult {
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
