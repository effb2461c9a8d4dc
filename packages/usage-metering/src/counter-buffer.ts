/** @module In-memory accumulation of counter increments per (tenant, meter, minute), flushed in batches. */
import { randomUUID } from "node:crypto";
import { createFlushQueue } from "./flush-queue.js";
import { createPendingCells, type PendingCells } from "./pending-cells.js";
import { MINUTE_MS } from "./time.js";
import { createUnsettledBatches, type UnsettledBatches } from "./unsettled-batches.js";

/** One accumulated cell: `n` units of `meter` for `tenantId` in the minute starting at `minuteMs`. */
export interface BucketDelta {
  tenantId: string;
  meter: string;
  minuteMs: number;
  n: number;
}

export interface CounterBufferOptions {
  /**
   * Persists a batch (one additive multi-row upsert) at most once per `flushId`: a retry of a batch
   * reuses its id, and must succeed without adding again if an earlier attempt committed.
   * Rows arrive sorted by tenant, meter, minute.
   */
  write: (rows: BucketDelta[], flushId: string) => Promise<unknown>;
  /** Called after a batch is durable (caches, shared counters, metrics), with its flush id. Must not throw. */
  onFlushed?: (rows: BucketDelta[], flushId: string) => void;
  /** Called when a write fails; the batch has already been put back. */
  onError?: (error: unknown) => void;
  /**
   * Called when a batch is set aside instead of retried: its rows are rejected by the database
   * (`rows_rejected`, e.g. a NUL byte in a tenant id), or it has been retried for `maxRetryAgeMs`
   * (`retry_window_exceeded`). It stays in `quarantined()` and in reads; log it, it is not retried.
   */
  onQuarantine?: (batch: QuarantinedBatch) => void;
  /** Epoch ms: minute buckets and batch ages. */
  clock?: () => number;
  /** @default 1000 */
  intervalMs?: number;
  /** Distinct cells that trigger an early flush. @default 10000 */
  maxKeys?: number;
  /** After failed writes, waits grow from this (exponential backoff, equal jitter). @default intervalMs */
  retryBaseMs?: number;
  /** The longest wait between attempts while the database is down. @default 60_000 */
  retryMaxMs?: number;
  /**
   * A batch still unwritten this long after its first cell was counted is quarantined, not retried:
   * the flush ledger must outlive every retry (see `ledgerRetentionMs` of createUsageMetering).
   * @default 6 days
   */
  maxRetryAgeMs?: number;
  /** Tells rows the database will never take from a database that is away. @default isRowError */
  isRejected?: (error: unknown) => boolean;
  /** In [0, 1), for the backoff's jitter. @default Math.random */
  random?: () => number;
}

/**
 * A batch set aside by the buffer, with why.
 *
 * @example
 * buffer.quarantined().forEach((b) => log.error({ flushId: b.id, reason: b.reason, rows: b.rows }, "metering.quarantined"));
 */
export interface QuarantinedBatch {
  id: string;
  rows: BucketDelta[];
  reason: "rows_rejected" | "retry_window_exceeded";
  error: unknown;
}

/**
 * What the buffer holds and how its flushes go, for metrics.
 *
 * @example
 * const { oldestUnflushedAgeMs, bufferedUnits } = buffer.stats();
 */
export interface CounterBufferStats {
  /** Cells counted and not yet written (pending and failed batches). */
  bufferedCells: number;
  bufferedUnits: number;
  /** Age of the oldest count not yet written, 0 when everything is written. */
  oldestUnflushedAgeMs: number;
  /** Write attempts since the start (each batch write, retries included). */
  flushAttempts: number;
  flushFailures: number;
  /** Consecutive failed attempts now (0 while the database answers). */
  consecutiveFailures: number;
  quarantinedBatches: number;
  quarantinedUnits: number;
}

/** Flushes close() makes at most while counting goes on (see close()). */
const CLOSE_ROUNDS = 20;

/**
 * The buffer behind `increment()`. An increment is a synchronous map update: no I/O on the request
 * path. A timer flushes at most every `intervalMs`; a buffer holding `maxKeys` cells flushes at once.
 *
 * Crash bound: what a crash (SIGKILL, OOM) can lose is exactly the increments accumulated since the
 * start of the last successful flush, i.e. at most one `intervalMs` of counts while the database is
 * up. A failed write keeps its batch (with its flush id) and retries it, so a database outage grows
 * that window until it recovers; nothing is dropped silently, and a batch whose commit outcome was
 * unknown is never applied twice.
 *
 * Outages: after a failed write the timer and size-triggered flushes wait (exponential backoff with
 * equal jitter, `retryBaseMs` doubling up to `retryMaxMs`), so a long outage costs a few attempts,
 * not one per tick or per increment. Counting goes on in memory meanwhile (one cell per tenant,
 * meter and minute). A batch whose rows the database rejects (`isRejected`: bad data, not a bad
 * moment) is split in halves until the rejected rows stand alone; those are quarantined (kept,
 * visible, reported) and every other row and later batch is written.
 *
 * @example
 * const buffer = createCounterBuffer({ write: (rows) => upsertBuckets(db, rows) });
 * buffer.increment("ten_1", "api_calls", 1);
 * await buffer.close(); // drains
 */
export function createCounterBuffer(options: CounterBufferOptions) {
  const { clock = Date.now, intervalMs = 1_000, maxKeys = 10_000 } = options;
  const pending = createPendingCells(clock);
  const batches = createUnsettledBatches(options);
  const { unsettled, quarantine } = batches;
  let closed = false;
  const queue = createFlushQueue({
    flushOnce: async () => {
      if (pending.size > 0) {
        const { rows, sinceMs } = pending.take();
        unsettled.push({ id: `fl_${randomUUID()}`, rows: rows.sort(compareCells), sinceMs });
      }
      await batches.settleAll();
    },
    attempts: () => batches.counts.attempts,
    due: batches.due,
    wantsMore: () => pending.size > 0 && (pending.size >= maxKeys || closed),
  });
  const { flush, flushSoon } = queue;

  const timer = setInterval(() => {
    if ((pending.size > 0 || unsettled.length > 0) && batches.due()) flush().catch(() => {});
  }, intervalMs);
  timer.unref?.();

  function increment(tenantId: string, meter: string, n = 1): void {
    const cells = pending.add(tenantId, meter, Math.floor(clock() / MINUTE_MS) * MINUTE_MS, n);
    // After close() there is no timer: a late increment (a request finishing during shutdown) is
    // flushed on its own rather than left in memory.
    if (cells >= maxKeys || closed) flushSoon();
  }

  /**
   * Runs a database read and returns it with the buffered cells that the read cannot have seen,
   * never counting a cell twice (see the flush queue's `readConsistent`).
   */
  const readWithPending = <T>(read: () => Promise<T>): Promise<{ result: T; cells: BucketDelta[] }> =>
    queue.readConsistent(read, () => [
      ...pending.rows(),
      ...unsettled.flatMap((b) => b.rows),
      ...quarantine.flatMap((b) => b.rows),
    ]);

  /** Sum of one tenant's buffered units of `meter` in minutes within [fromMs, toMs) (not yet in the database). */
  const pendingSum = (tenantId: string, meter: string, fromMs: number, toMs: number): number =>
    pending.sum(tenantId, meter, fromMs, toMs) +
    batchSum([...unsettled, ...quarantine], tenantId, meter, fromMs, toMs);

  /** Stops the timer and drains the buffer (retrying a failed write a few times). Idempotent. */
  async function close(): Promise<void> {
    if (!closed) {
      closed = true;
      clearInterval(timer);
    }
    await drain(flush, () => pending.size === 0 && unsettled.length === 0);
  }

  return {
    increment,
    flush,
    close,
    readWithPending,
    pendingSum,
    stats: (): CounterBufferStats => statsOf(pending, batches, clock),
    /** Batches set aside (see `onQuarantine`), oldest first. */
    quarantined: (): readonly QuarantinedBatch[] => quarantine,
    /** Distinct buffered cells. */
    get size() {
      return pending.size;
    },
  };
}

/** Units of `meter` for one tenant in rows of batches, in minutes within [fromMs, toMs). */
function batchSum(
  batches: readonly { rows: BucketDelta[] }[],
  tenantId: string,
  meter: string,
  fromMs: number,
  toMs: number,
): number {
  let sum = 0;
  for (const batch of batches) {
    for (const r of batch.rows) {
      if (r.tenantId === tenantId && r.meter === meter && r.minuteMs >= fromMs && r.minuteMs < toMs)
        sum += r.n;
    }
  }
  return sum;
}

/**
 * Flushes until the buffer is empty. Counting that goes on meanwhile (callers that were not stopped
 * first) could keep it from ever being so: after CLOSE_ROUNDS flushes this stops waiting, and later
 * counts are flushed by the increments themselves (each schedules a flush once closed).
 */
async function drain(flush: () => Promise<void>, isEmpty: () => boolean): Promise<void> {
  let failures = 0;
  for (let round = 0; round < CLOSE_ROUNDS; round++) {
    try {
      await flush();
      if (isEmpty()) return;
    } catch (error) {
      if (++failures >= 5) throw error;
      await new Promise((r) => setTimeout(r, 100 * failures));
    }
  }
}

function statsOf(pending: PendingCells, batches: UnsettledBatches, clock: () => number): CounterBufferStats {
  let bufferedUnits = pending.units();
  let bufferedCells = pending.size;
  for (const b of batches.unsettled) {
    bufferedCells += b.rows.length;
    for (const r of b.rows) bufferedUnits += r.n;
  }
  const oldest = batches.unsettled[0]?.sinceMs ?? (pending.size > 0 ? pending.sinceMs : undefined);
  let quarantinedUnits = 0;
  for (const b of batches.quarantine) for (const r of b.rows) quarantinedUnits += r.n;
  const { attempts, failures, consecutiveFailures } = batches.counts;
  return {
    bufferedCells,
    bufferedUnits,
    oldestUnflushedAgeMs: oldest === undefined ? 0 : Math.max(0, clock() - oldest),
    flushAttempts: attempts,
    flushFailures: failures,
    consecutiveFailures,
    quarantinedBatches: batches.quarantine.length,
    quarantinedUnits,
  };
}

export type CounterBuffer = ReturnType<typeof createCounterBuffer>;

/** Total order (tenant, meter, minute) shared with ingestion, so concurrent upserts lock rows in one order. */
export function compareCells(a: BucketDelta, b: BucketDelta): number {
  if (a.tenantId !== b.tenantId) return a.tenantId < b.tenantId ? -1 : 1;
  if (a.meter !== b.meter) return a.meter < b.meter ? -1 : 1;
  return a.minuteMs - b.minuteMs;
}
