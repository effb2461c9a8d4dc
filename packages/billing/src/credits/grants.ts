/** @module The state of a tenant's grants, derived from the ledger, and the lock that serialises their use. */
import { type Executor, newId, rows } from "@org/db";
import { sql } from "drizzle-orm";

/** A grant with what is left of it. */
export interface GrantState {
  id: string;
  amount: number;
  remaining: number;
  currency: string;
  priority: number;
  expiresAtMs: number | null;
  atMs: number;
}

interface RawGrant {
  id: string;
  amount: number | string;
  remaining: number | string;
  currency: string;
  priority: number | null;
  expires_at: Date | string | null;
  at: Date | string;
}

export const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Locks every grant row of the tenant (`FOR UPDATE`, in id order so two lockers never deadlock) for
 * the rest of the transaction. Consumers and expirers of one tenant take this lock first, so each
 * reads the remaining amounts only after the previous one committed: parallel consumptions can
 * never draw the same cent twice. A grant inserted meanwhile is simply not seen yet.
 */
export async function lockGrants(tx: Executor, tenantId: string): Promise<void> {
  await tx.execute(sql`
    select id from credit_ledger where tenant_id = ${tenantId} and kind = 'grant' order by id for update`);
}

/**
 * The tenant's grants in consumption order: lower priority first, then the earliest expiry (never
 * expiring last), then the oldest.
 */
export async function grantStates(tx: Executor, tenantId: string, currency?: string): Promise<GrantState[]> {
  const raw = rows<RawGrant>(
    await tx.execute(sql`
      select g.id, g.amount, g.currency, g.priority, g.expires_at, g.at,
             g.amount - coalesce((select sum(l.amount) from credit_ledger l
                                  where l.tenant_id = g.tenant_id and l.grant_id = g.id
                                    and l.kind <> 'grant'), 0) as remaining
      from credit_ledger g
      where g.tenant_id = ${tenantId} and g.kind = 'grant'
        ${currency === undefined ? sql`` : sql`and g.currency = ${currency}`}
      order by g.priority, g.expires_at nulls last, g.at, g.id`),
  );
  return raw.map((r) => ({
    id: r.id,
    amount: Number(r.amount),
    remaining: Number(r.remaining),
    currency: r.currency,
    priority: r.priority ?? 0,
    expiresAtMs: r.expires_at === null ? null : new Date(r.expires_at).getTime(),
    atMs: new Date(r.at).getTime(),
  }));
}

/** Whether a grant can still be drawn from at `atMs`. */
export const isLive = (grant: GrantState, atMs: number) =>
  grant.remaining > 0 && (grant.expiresAtMs === null || grant.expiresAtMs > atMs);

/**
 * Appends an expiration row for what is left of every grant expired at `atMs`, dated at the grant's
 * expiry. Call under {@link lockGrants}; the unique (grant, kind, source) key makes a repeat a no-op.
 */
export async function expireDue(tx: Executor, tenantId: string, atMs: number): Promise<void> {
  for (const grant of await grantStates(tx, tenantId)) {
    if (grant.remaining <= 0 || grant.expiresAtMs === null || grant.expiresAtMs > atMs) continue;
    await appendEntry(tx, {
      tenantId,
      kind: "expiration",
      grantId: grant.id,
      amount: grant.remaining,
      currency: grant.currency,
      source: "expiry",
      atMs: grant.expiresAtMs,
    });
  }
}

/** One consumption or expiration row; `false` when the same (grant, kind, source) is already there. */
export async function appendEntry(
  tx: Executor,
  entry: {
    tenantId: string;
    kind: "consumption" | "expiration";
    grantId: string;
    amount: number;
    currency: string;
    source: string;
    atMs: number;
  },
): Promise<boolean> {
  const inserted = rows(
    await tx.execute(sql`
      insert into credit_ledger (tenant_id, id, kind, grant_id, amount, currency, source, at)
      values (${entry.tenantId}, ${newId("creditEntry")}, ${entry.kind}, ${entry.grantId}, ${entry.amount},
              ${entry.currency}, ${entry.source}, ${iso(entry.atMs)}::timestamptz)
      on conflict do nothing
      returning id`),
  );
  return inserted.length === 1;
}
