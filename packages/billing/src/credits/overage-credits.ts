/** @module The credits ledger as the overage reporter's `OverageCredits`. */
import { type Executor, rows } from "@org/db";
import { sql } from "drizzle-orm";
import { type ConsumeRequest, consumeInTransaction, lockedBalance } from "./consume.js";
import { lockGrants } from "./grants.js";

/**
 * The credits port of usage-metering's overage reporter (`OverageCredits`), restated here so that
 * billing does not import usage-metering; platform passes one to the other.
 */
export interface OverageCreditsPort {
  open(
    tx: Executor,
    query: { tenantId: string; currency: string; atMs: number; sourcePrefix: string },
  ): Promise<{ available: number; consumed: number }>;
  consume(tx: Executor, consumption: ConsumeRequest): Promise<void>;
}

/**
 * Credits for `createOverageReporter({ credits })`: `open` takes the tenant's grants lock inside the
 * reporter's transaction (held until its report row commits), so two reporters never both spend the
 * same balance.
 *
 * @example
 * createOverageReporter({ db, meters, planAt, send, landed, credits: overageCredits() });
 */
export function overageCredits(): OverageCreditsPort {
  return {
    async open(tx, query) {
      await lockGrants(tx, query.tenantId);
      const { balance } = await lockedBalance(tx, query.tenantId, query.currency, query.atMs);
      const [row] = rows<{ total: number | string | null }>(
        await tx.execute(sql`
          select sum(amount) as total from credit_ledger
          where tenant_id = ${query.tenantId} and kind = 'consumption'
            and starts_with(source, ${query.sourcePrefix})`),
      );
      return { available: balance, consumed: Number(row?.total ?? 0) };
    },
    async consume(tx, consumption) {
      await consumeInTransaction(tx, consumption);
    },
  };
}
