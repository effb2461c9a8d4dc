/** @module The sweeper: compensates signups that a crash left `pending`. */
import { type Database, tenants } from "@org/db";
import { stalePendingTenants, type TenantRow, writeAudit } from "@org/multitenancy";
import { and, eq } from "drizzle-orm";
import { createOutboundOnce, type OutboundOnce } from "./outbound-once.js";
import { type BillingPort, type IdentityPort, noopIdentity } from "./ports.js";
import { deleteTenantCustomer } from "./tenant-customer.js";

/**
 * Options of {@link createSweeper}.
 *
 * @example
 * createSweeper({ db, billing, staleAfterMs: 600_000 });
 */
export interface SweeperOptions {
  db: Database;
  billing: BillingPort;
  identity?: IdentityPort;
  once?: OutboundOnce;
  /** A pending tenant untouched this long is abandoned: far longer than a signup can take. @default 600_000 */
  staleAfterMs?: number;
  /** @default 10_000 */
  stepTimeoutMs?: number;
  /** @default () => new Date() */
  now?: () => Date;
  onError?: (error: unknown, tenant: TenantRow) => void;
}

/**
 * The tenants one pass compensated, or failed to.
 *
 * @example
 * const { compensated, failed } = await sweeper.sweep();
 */
export interface SweepResult {
  compensated: string[];
  failed: string[];
}

/**
 * Compensates abandoned signups.
 *
 * @example
 * await createSweeper({ db, billing }).sweep();
 */
export interface Sweeper {
  /** One pass over stale pending tenants. */
  sweep(): Promise<SweepResult>;
  /** Compensates one pending tenant if this caller wins the claim; false when someone else did. */
  compensate(row: TenantRow): Promise<boolean>;
}

/**
 * Creates the sweeper. A pending tenant is one whose signup never returned, so nobody holds its API
 * key: finishing it would create an account no one can use, hence the sweeper always compensates
 * (delete the Stripe customer, the identity organisation, then the row, freeing the slug).
 * Several sweepers may run: each claims a row by moving its `updated_at` forward only if it is
 * unchanged, so exactly one works on it; a failed compensation is retried after `staleAfterMs`.
 *
 * @example
 * const sweeper = createSweeper({ db, billing });
 * setInterval(() => void sweeper.sweep(), 60_000).unref();
 */
export function createSweeper(options: SweeperOptions): Sweeper {
  const {
    db,
    billing,
    identity = noopIdentity,
    once = createOutboundOnce(db),
    staleAfterMs = 600_000,
    stepTimeoutMs = 10_000,
    now = () => new Date(),
    onError,
  } = options;

  const compensate = async (row: TenantRow) => {
    // The claim must move updated_at even within the same millisecond: a signup still running
    // checks it before activating (see signupSteps), so an unchanged value would let both proceed.
    const claimedAt = new Date(Math.max(now().getTime(), row.updatedAt.getTime() + 1));
    const claimed = await db
      .update(tenants)
      .set({ updatedAt: claimedAt })
      .where(and(eq(tenants.id, row.id), eq(tenants.status, "pending"), eq(tenants.updatedAt, row.updatedAt)))
      .returning({ id: tenants.id });
    if (claimed.length === 0) return false;
    await deleteTenantCustomer({ db, billing, once, stepTimeoutMs, now }, row.id, row);
    await identity.deleteOrganization(row.id);
    await db.transaction(async (tx) => {
      // Compare-and-delete on the claim: a retry that resumed the row after this claim (the sweeper
      // stalled for resumeAfterMs) holds it now, and its tenant is not the sweeper's to delete.
      const deleted = await tx
        .delete(tenants)
        .where(and(eq(tenants.id, row.id), eq(tenants.status, "pending"), eq(tenants.updatedAt, claimedAt)))
        .returning({ id: tenants.id });
      if (deleted.length === 0) return;
      await writeAudit(tx, {
        tenantId: row.id,
        actor: "system:sweeper",
        action: "tenant.signup_compensated",
        target: row.id,
        data: { slug: row.slug },
      });
    });
    return true;
  };

  return {
    compensate,
    async sweep() {
      const result: SweepResult = { compensated: [], failed: [] };
      const stale = await stalePendingTenants(db, new Date(now().getTime() - staleAfterMs));
      for (const row of stale) {
        try {
          if (await compensate(row)) result.compensated.push(row.id);
        } catch (error) {
          result.failed.push(row.id);
          onError?.(error, row);
        }
      }
      return result;
    },
  };
}
