/** @module Granting credits: idempotent on the grant key. */
import { type Database, newId, rows } from "@org/db";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { iso } from "./grants.js";

/** A grant's terms, as the admin route and library callers give them. */
export const grantInputSchema = z.object({
  /** Minor units of `currency`. */
  amount: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  currency: z
    .string()
    .regex(/^[a-z]{3}$/)
    .default("usd"),
  /** Lower is consumed first. */
  priority: z.number().int().min(0).max(1_000).default(0),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
  reason: z.string().min(1).max(500),
});
export type GrantInput = z.input<typeof grantInputSchema>;

export interface GrantRequest extends GrantInput {
  tenantId: string;
  /** Unique per tenant: a second grant with the same key appends nothing and returns the first. */
  key: string;
  atMs: number;
}

export interface CreditGrant {
  id: string;
  amount: number;
  currency: string;
  priority: number;
  expiresAt: string | null;
  reason: string;
  grantedAt: string;
}

interface RawGrantRow {
  id: string;
  amount: number | string;
  currency: string;
  priority: number | null;
  expires_at: Date | string | null;
  reason: string | null;
  at: Date | string;
}

const toGrant = (r: RawGrantRow): CreditGrant => ({
  id: r.id,
  amount: Number(r.amount),
  currency: r.currency,
  priority: r.priority ?? 0,
  expiresAt: r.expires_at === null ? null : new Date(r.expires_at).toISOString(),
  reason: r.reason ?? "",
  grantedAt: new Date(r.at).toISOString(),
});

/**
 * Appends a grant row. The partial unique index on (tenant, grant key) makes a retried grant with
 * the same key a no-op that returns the original grant (`created: false`).
 *
 * @example
 * await grantCredits(db, { tenantId, key: "topup-2026-03", amount: 10_000, reason: "prepaid", atMs: Date.now() });
 */
export async function grantCredits(
  db: Database,
  request: GrantRequest,
): Promise<{ grant: CreditGrant; created: boolean }> {
  const terms = grantInputSchema.parse(request);
  const id = newId("creditEntry");
  const expiresAt = terms.expiresAt === undefined ? null : iso(Date.parse(terms.expiresAt));
  const inserted = rows<RawGrantRow>(
    await db.execute(sql`
      insert into credit_ledger (tenant_id, id, kind, grant_id, amount, currency, source, priority,
                                 expires_at, reason, at)
      values (${request.tenantId}, ${id}, 'grant', ${id}, ${terms.amount}, ${terms.currency}, ${request.key},
              ${terms.priority}, ${expiresAt}::timestamptz, ${terms.reason}, ${iso(request.atMs)}::timestamptz)
      on conflict (tenant_id, source) where kind = 'grant' do nothing
      returning id, amount, currency, priority, expires_at, reason, at`),
  );
  if (inserted[0]) return { grant: toGrant(inserted[0]), created: true };
  const [existing] = rows<RawGrantRow>(
    await db.execute(sql`
      select id, amount, currency, priority, expires_at, reason, at from credit_ledger
      where tenant_id = ${request.tenantId} and kind = 'grant' and source = ${request.key}`),
  );
  return { grant: toGrant(existing!), created: false };
}
