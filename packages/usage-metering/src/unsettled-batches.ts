/** @module Batches taken from the counter buffer until they are written or set aside (quarantined). */
import { performance } from "node:perf_hooks";
import { backoffDelayMs } from "./backoff.js";
import type { BucketDelta, CounterBufferOptions, QuarantinedBatch } from "./counter-buffer.js";
import { isRowError } from "./retry.js";

export interface Batch {
  id: string;
  rows: BucketDelta[];
  /** When its oldest cell was counted (clock ms). */
  sinceMs: number;
}

/**
 * The write side of the counter buffer: batches are written oldest first, each under its own flush
 * id; a failed write keeps its batch and backs off; rows the database rejects are split off and
 * quarantined; a batch older than `maxRetryAgeMs` is quarantined.
 */
export function createUnsettledBatches(options: CounterBufferOptions) {
  const { write, onFlushed, onError, clock = Date.now, intervalMs = 1_000 } = options;
  const { retryBaseMs = intervalMs, retryMaxMs = 60_000, maxRetryAgeMs = 6 * 86_400_000 } = options;
  const { isRejected = isRowError, random = Math.random } = options;
  /** Batches taken from the buffer whose write has not succeeded yet; retried first, under their own ids. */
  const unsettled: Batch[] = [];
  const { quarantine, setAside } = createQuarantine(options.onQuarantine);
  const counts = { attempts: 0, failures: 0, consecutiveFailures: 0 };
  /** Monotonic ms before which timer and size-triggered flushes do not write (backoff). */
  let retryAtMs = 0;

  /** Halves of a rejected batch get ids of their own, derived, so they too are applied once. */
  function split(batch: Batch, error: unknown): void {
    if (batch.rows.length === 1) {
      setAside(batch, "rows_rejected", error);
      return;
    }
    unsettled.unshift(...halvesOf(batch));
  }

  /**
   * Writes `unsettled[0]` and takes it off the list, or quarantines or splits it. Throws (after
   * scheduling the next attempt) when the database could not be reached or did not say.
   */
  async function settleFirst(): Promise<void> {
    const batch = unsettled[0]!;
    if (clock() - batch.sinceMs > maxRetryAgeMs) {
      unsettled.shift();
      setAside(batch, "retry_window_exceeded", undefined);
      return;
    }
    counts.attempts++;
    try {
      await write(batch.rows, batch.id);
    } catch (error) {
      counts.failures++;
      onError?.(error);
      if (isRejected(error)) {
        // The database answered "no" to these rows, so this statement did not commit (and no earlier
        // attempt of the same rows can have).
        unsettled.shift();
        split(batch, error);
        return;
      }
      counts.consecutiveFailures++;
      const delayMs = backoffDelayMs(counts.consecutiveFailures, {
        baseMs: retryBaseMs,
        maxMs: retryMaxMs,
        random,
      });
      retryAtMs = performance.now() + delayMs;
      throw error;
    }
    counts.consecutiveFailures = 0;
    retryAtMs = 0;
    unsettled.shift();
    onFlushed?.(batch.rows, batch.id);
  }

  /** Oldest first, each under its own id: if an earlier attempt did commit (a connection lost during
   * the commit), the ledger recognises the id and nothing is added twice. */
  async function settleAll(): Promise<void> {
    while (unsettled.length > 0) await settleFirst();
  }

  return {
    unsettled,
    quarantine,
    counts,
    settleAll,
    /** Whether the backoff after a failed write is over. */
    due: () => performance.now() >= retryAtMs,
  };
}

export type UnsettledBatches = ReturnType<typeof createUnsettledBatches>;

/** The batches set aside, and `setAside` that adds one and tells `onQuarantine`. */
function createQuarantine(onQuarantine: CounterBufferOptions["onQuarantine"]) {
  const quarantine: QuarantinedBatch[] = [];
  function setAside(batch: Batch, reason: QuarantinedBatch["reason"], error: unknown): void {
    const quarantined: QuarantinedBatch = { id: batch.id, rows: batch.rows, reason, error };
    quarantine.push(quarantined);
    onQuarantine?.(quarantined);
  }
  return { quarantine, setAside };
}

/** A batch of two rows or more cut in two, each half under an id derived from the batch's. */
function halvesOf(batch: Batch): [Batch, Batch] {
  const mid = batch.rows.length >> 1;
  return [
    { id: `${batch.id}.0`, rows: batch.rows.slice(0, mid), sinceMs: batch.sinceMs },
    { id: `${batch.id}.1`, rows: batch.rows.slice(mid), sinceMs: batch.sinceMs },
  ];
}
