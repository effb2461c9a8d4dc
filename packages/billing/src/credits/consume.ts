/** @module Drawing from a tenant's credits: by priority, then earliest expiry; once per source. */
import { type Database, type Executor, rows } from "@org/db";
import { sql } from "drizzle-orm";
import { appendEntry, expireDue, grantStates, isLive, lockGrants } from "./grants.js";

export interface ConsumeRequest {
  tenantId: string;
  currency: string;
  /** Minor units wanted; at most the balance is consumed. */
  amount: number;
  /** What the consumption pays for; a second request with the same source consumes nothing more. */
  source: string;
  atMs: number;
}

/** What a source consumed so far (every grant), in minor units. */
export async function consumedBy(tx: Executor, tenantId: string, source: string): Promise<number> {
  const [row] = rows<{ total: number | string | null }>(
    await tx.execute(sql`
      select sum(amount) as total from credit_ledger
      where tenant_id = ${tenantId} and kind = 'consumption' and source = ${source}`),
  );
  return Number(row?.total ?? 0);
}

/** The balance at `atMs` after expiring what is due. Call inside a transaction after {@link lockGrants}. */
export async function lockedBalance(tx: Executor, tenantId: string, currency: string, atMs: number) {
  await expireDue(tx, tenantId, atMs);
  const grants = (await grantStates(tx, tenantId, currency)).filter((g) => isLive(g, atMs));
  return { grants, balance: grants.reduce((sum, g) => sum + g.remaining, 0) };
}

/**
 * Consumes up to `amount` inside the caller's transaction: locks the tenant's grants, expires what
 * is due, then draws from the live grants in order (one ledger row per grant drawn from).
 *
 * @returns the amount this source has consumed in total (earlier calls with the same source included)
 */
export async function consumeInTransaction(tx: Executor, request: ConsumeRequest): Promise<number> {
  if (!Number.isSafeInteger(request.amount) || request.amount < 0)
    throw new RangeError(`bad credit amount ${request.amount}`);
  await lockGrants(tx, request.tenantId);
  const already = await consumedBy(tx, request.tenantId, request.source);
  if (already > 0) return already;
  const { grants } = await lockedBalance(tx, request.tenantId, request.currency, request.atMs);
  let left = request.amount;
  for (const grant of grants) {
    if (left === 0) break;
    const take = Math.min(left, grant.remaining);
    await appendEntry(tx, { ...request, kind: "consumption", grantId: grant.id, amount: take });
    left -= take;
  }
  return request.amount - left;
}

/**
 * Consumes up to `amount` of the tenant's credits in its own transaction; never more than the
 * balance, never twice for one `source`.
 *
 * @example
 * await consumeCredits(db, { tenantId, currency: "usd", amount: 500, source: "order:42", atMs: Date.now() });
 */
export async function consumeCredits(db: Database, request: ConsumeRequest): Promise<number> {
  return db.transaction((tx) => consumeInTransaction(tx, request));
}
