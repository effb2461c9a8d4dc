/** @module A tenant's balance and its ledger, newest first, cursor-paginated. */
import { type Database, rows } from "@org/db";
import { sql } from "drizzle-orm";
import { decodeCursor, encodeCursor } from "../cursor.js";
import { BillingError } from "../errors.js";
import { lockedBalance } from "./consume.js";
import { iso, lockGrants } from "./grants.js";

/** One ledger row as the API shows it. */
export interface CreditEntry {
  id: string;
  kind: "grant" | "consumption" | "expiration";
  grantId: string;
  /** Positive for a grant, negative for what leaves the balance. */
  amount: number;
  currency: string;
  source: string;
  priority: number | null;
  expiresAt: string | null;
  reason: string | null;
  at: string;
}

/**
 * The balance at `atMs` in `currency`. Expirations due by then are appended first (under the grants'
 * lock), so the ledger always explains the balance.
 *
 * @example
 * await creditBalance(db, tenantId, "usd", Date.now()); // 7_500
 */
export async function creditBalance(db: Database, tenantId: string, currency: string, atMs: number) {
  return db.transaction(async (tx) => {
    await lockGrants(tx, tenantId);
    return (await lockedBalance(tx, tenantId, currency, atMs)).balance;
  });
}

interface RawEntry {
  id: string;
  kind: CreditEntry["kind"];
  grant_id: string;
  amount: number | string;
  currency: string;
  source: string;
  priority: number | null;
  expires_at: Date | string | null;
  reason: string | null;
  at: Date | string;
}

/**
 * A page of the ledger, newest first (by effective time, then id).
 *
 * @throws {BillingError} validation_failed for a cursor that is not one of ours
 * @example
 * const { data, nextCursor } = await listCreditLedger(db, tenantId, { limit: 20 });
 */
export async function listCreditLedger(
  db: Database,
  tenantId: string,
  page: { cursor?: string; limit: number },
): Promise<{ data: CreditEntry[]; nextCursor: string | null }> {
  const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
  if (page.cursor !== undefined && !after) throw new BillingError("validation_failed", "unknown cursor");
  const raw = rows<RawEntry>(
    await db.execute(sql`
      select id, kind, grant_id, amount, currency, source, priority, expires_at, reason, at
      from credit_ledger where tenant_id = ${tenantId}
        ${after ? sql`and (at, id) < (${iso(after.at)}::timestamptz, ${after.id})` : sql``}
      order by at desc, id desc limit ${page.limit + 1}`),
  );
  const data = raw.slice(0, page.limit).map(
    (r): CreditEntry => ({
      id: r.id,
      kind: r.kind,
      grantId: r.grant_id,
      amount: r.kind === "grant" ? Number(r.amount) : -Number(r.amount),
      currency: r.currency,
      source: r.source,
      priority: r.priority,
      expiresAt: r.expires_at === null ? null : new Date(r.expires_at).toISOString(),
      reason: r.reason,
      at: new Date(r.at).toISOString(),
    }),
  );
  const last = data.at(-1);
  return {
    data,
    nextCursor:
      raw.length > page.limit && last ? encodeCursor({ at: Date.parse(last.at), id: last.id }) : null,
  };
}
