/** @module Prepaid credits that pay for overage before it is reported, and the source each consumption is keyed by. */
import type { Executor } from "@org/db";

/**
 * Prepaid credits that pay for overage before it is reported (billing passes its credits ledger).
 * Both calls run inside the reporter's transaction, so a consumption commits with its report row.
 */
export interface OverageCredits {
  /** Locks the tenant's credits for `tx`: the balance at `atMs`, and what sources starting with `sourcePrefix` consumed. */
  open(
    tx: Executor,
    query: { tenantId: string; currency: string; atMs: number; sourcePrefix: string },
  ): Promise<{ available: number; consumed: number }>;
  consume(
    tx: Executor,
    consumption: { tenantId: string; currency: string; amount: number; source: string; atMs: number },
  ): Promise<void>;
}

/**
 * The consumption source of a (meter, period)'s report `seq`: one per report row, so a re-run never
 * consumes twice. Without the seq it is the prefix of every report of that meter and period.
 *
 * @example
 * overageCreditSource("tokens", Date.UTC(2026, 2, 1), 0); // "overage:tokens:2026-03-01T00:00:00.000Z:0"
 */
export const overageCreditSource = (meter: string, periodStartMs: number, seq?: number) =>
  `overage:${meter}:${new Date(periodStartMs).toISOString()}:${seq ?? ""}`;
