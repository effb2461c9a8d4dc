/** @module Completing a batch of claimed idempotency keys in Postgres with one statement. */
import { type Database, rows } from "@org/db";
import { sql } from "drizzle-orm";
import { iso, retryingDeadlocks } from "./postgres-sql.js";
import type { CompleteInput } from "./store.js";

/** Response bytes per completion statement at most (one larger response still goes alone). */
export const MAX_COMPLETION_BYTES = 1 << 20;

/**
 * Stores every input's response in one statement, each only if its owner still holds the claim:
 * `true` for those stored.
 *
 * @example
 * const [stored] = await completeAll(db, [input]);
 */
export async function completeAll(db: Database, inputs: readonly CompleteInput[]): Promise<boolean[]> {
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
