/** @module In-memory accumulation of counter increments per (tenant, meter, minute), flushed in batches. */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { backoffDelayMs } from "./backoff.js";
import { isRowError } from "./retry.js";
import { MINUTE_MS } from "./time.js";

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

type Cells = Map<string, Map<string, Map<number, number>>>;

interface Batch {
  id: string;
  rows: BucketDelta[];
  /** When its oldest cell was counted (clock ms). */
  sinceMs: number;
}

function cellsOf(cells: Cells): BucketDelta[] {
  const out: BucketDelta[] = [];
  for (const [tenantId, byMeter] of cells) {
    for (const [meter, minutes] of byMeter) {
      for (const [minuteMs, n] of minutes) out.push({ tenantId, meter, minuteMs, n });
    }
  }
  return out;
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
  const {
    write,
    onFlushed,
    onError,
    onQuarantine,
    clock = Date.now,
    intervalMs = 1_000,
    maxKeys = 10_000,
    retryBaseMs = intervalMs,
    retryMaxMs = 60_000,
    maxRetryAgeMs = 6 * 86_400_000,
    isRejected = isRowError,
    random = Math.random,
  } = options;
  // tenant -> meter -> cells. Nested maps, not a joined string key: the hot path allocates nothing
  // once a (tenant, meter, minute) cell exists, and a check reads one tenant's meter without a scan.
  let pending: Cells = new Map();
  let cellCount = 0;
  /** When the first cell of `pending` was counted (clock ms). */
  let pendingSinceMs = 0;
  const quarantine: QuarantinedBatch[] = [];
  let flushAttempts = 0;
  let flushFailures = 0;
  let consecutiveFailures = 0;
  /** Monotonic ms before which timer and size-triggered flushes do not write (backoff). */
  let retryAtMs = 0;
  const due = () => performance.now() >= retryAtMs;
  /** Batches taken from the buffer whose write failed; retried first, under their own ids. */
  const unsettled: Batch[] = [];
  let flushing: Promise<void> | null = null;
  let flushStarts = 0;
  let hold: Promise<void> | null = null;
  let soonScheduled = false;
  let soonQueued = false;
  let closed = false;

  const timer = setInterval(() => {
    if ((cellCount > 0 || unsettled.length > 0) && due()) flush().catch(() => {});
  }, intervalMs);
  timer.unref?.();

  function addCell(tenantId: string, meter: string, minuteMs: number, n: number): void {
    let byMeter = pending.get(tenantId);
    if (byMeter === undefined) {
      byMeter = new Map();
      pending.set(tenantId, byMeter);
    }
    let minutes = byMeter.get(meter);
    if (minutes === undefined) {
      minutes = new Map();
      byMeter.set(meter, minutes);
    }
    const before = minutes.get(minuteMs);
    if (before === undefined) {
      minutes.set(minuteMs, n);
      if (cellCount++ === 0) pendingSinceMs = clock();
    } else {
      minutes.set(minuteMs, before + n);
    }
  }

  function increment(tenantId: string, meter: string, n = 1): void {
    addCell(tenantId, meter, Math.floor(clock() / MINUTE_MS) * MINUTE_MS, n);
    // After close() there is no timer: a late increment (a request finishing during shutdown) is
    // flushed on its own rather than left in memory.
    if (cellCount >= maxKeys || closed) flushSoon();
  }

  /**
   * A flush at the end of this tick, unless one is already waiting to start: it will take everything
   * counted until it starts, so counting that goes on while flushes are slow queues one flush, not
   * one per tick. What arrives while the last one runs gets another when it ends.
   */
  function flushSoon(): void {
    // While backing off, the timer makes the next attempt once it is due.
    if (soonScheduled || !due()) return;
    soonScheduled = true;
    setImmediate(() => {
      soonScheduled = false;
      if (soonQueued) return;
      soonQueued = true;
      flush()
        .catch(() => {})
        .finally(() => {
          soonQueued = false;
          if (cellCount > 0 && (cellCount >= maxKeys || closed)) flushSoon();
        });
    });
  }

  function setAside(batch: Batch, reason: QuarantinedBatch["reason"], error: unknown): void {
    const quarantined: QuarantinedBatch = { id: batch.id, rows: batch.rows, reason, error };
    quarantine.push(quarantined);
    onQuarantine?.(quarantined);
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
    flushStarts++;
    flushAttempts++;
    try {
      await write(batch.rows, batch.id);
    } catch (error) {
      flushFailures++;
      onError?.(error);
      if (isRejected(error)) {
        // The database answered "no" to these rows, so this statement did not commit (and no earlier
        // attempt of the same rows can have). Halves get ids of their own, derived, so that they too
        // are applied once however often they are retried.
        unsettled.shift();
        if (batch.rows.length === 1) setAside(batch, "rows_rejected", error);
        else {
          const mid = batch.rows.length >> 1;
          unsettled.unshift(
            { id: `${batch.id}.0`, rows: batch.rows.slice(0, mid), sinceMs: batch.sinceMs },
            { id: `${batch.id}.1`, rows: batch.rows.slice(mid), sinceMs: batch.sinceMs },
          );
        }
        return;
      }
      consecutiveFailures++;
      retryAtMs =
        performance.now() +
        backoffDelayMs(consecutiveFailures, { baseMs: retryBaseMs, maxMs: retryMaxMs, random });
      throw error;
    }
    consecutiveFailures = 0;
    retryAtMs = 0;
    unsettled.shift();
    onFlushed?.(batch.rows, batch.id);
  }

  async function flushOnce(): Promise<void> {
    if (hold) await hold;
    if (cellCount > 0) {
      unsettled.push({
        id: `fl_${randomUUID()}`,
        rows: cellsOf(pending).sort(compareCells),
        sinceMs: pendingSinceMs,
      });
      pending = new Map();
      cellCount = 0;
    }
    // Oldest first, each under its own id: if an earlier attempt did commit (a connection lost during
    // the commit), the ledger recognises the id and nothing is added twice.
    while (unsettled.length > 0) await settleFirst();
  }

  /** Writes everything buffered now. Concurrent calls share one write; a call during a write waits for the next. */
  function flush(): Promise<void> {
    const previous = flushing ?? Promise.resolve();
    const next = previous.catch(() => {}).then(flushOnce);
    const tracked = next.finally(() => {
      if (flushing === tracked) flushing = null;
    });
    flushing = tracked;
    return tracked;
  }

  /**
   * Runs a database read and returns it with the buffered cells that the read cannot have seen,
   * never counting a cell twice: it waits out a running flush, and reads again if a flush started
   * while it was reading (after a few tries it holds flushes back for one read).
   */
  async function readWithPending<T>(read: () => Promise<T>): Promise<{ result: T; cells: BucketDelta[] }> {
    for (let attempt = 0; ; attempt++) {
      while (flushing) await flushing.catch(() => {});
      const startedBefore = flushStarts;
      let release: (() => void) | undefined;
      if (attempt >= 3) hold = new Promise<void>((r) => (release = r));
      try {
        const result = await read();
        if (flushStarts === startedBefore) {
          return {
            result,
            cells: [
              ...cellsOf(pending),
              ...unsettled.flatMap((b) => b.rows),
              ...quarantine.flatMap((b) => b.rows),
            ],
          };
        }
      } finally {
        if (release) {
          hold = null;
          release();
        }
      }
    }
  }

  /** Sum of one tenant's buffered units of `meter` in minutes within [fromMs, toMs) (not yet in the database). */
  function pendingSum(tenantId: string, meter: string, fromMs: number, toMs: number): number {
    let sum = 0;
    const minutes = pending.get(tenantId)?.get(meter);
    if (minutes !== undefined) {
      for (const [minuteMs, n] of minutes) if (minuteMs >= fromMs && minuteMs < toMs) sum += n;
    }
    for (const batch of [...unsettled, ...quarantine]) {
      for (const r of batch.rows) {
        if (r.tenantId === tenantId && r.meter === meter && r.minuteMs >= fromMs && r.minuteMs < toMs)
          sum += r.n;
      }
    }
    return sum;
  }

  /** Stops the timer and drains the buffer (retrying a failed write a few times). Idempotent. */
  async function close(): Promise<void> {
    if (!closed) {
      closed = true;
      clearInterval(timer);
    }
    // Flushes until the buffer is empty. Counting that goes on meanwhile (callers that were not
    // stopped first) could keep it from ever being so: after CLOSE_ROUNDS flushes close() stops
    // waiting, and later counts are flushed by the increments themselves (each schedules a flush
    // once closed).
    let failures = 0;
    for (let round = 0; round < CLOSE_ROUNDS; round++) {
      try {
        await flush();
        if (cellCount === 0 && unsettled.length === 0) return;
      } catch (error) {
        if (++failures >= 5) throw error;
        await new Promise((r) => setTimeout(r, 100 * failures));
      }
    }
  }

  function stats(): CounterBufferStats {
    let bufferedUnits = 0;
    let bufferedCells = cellCount;
    for (const byMeter of pending.values()) {
      for (const minutes of byMeter.values()) for (const n of minutes.values()) bufferedUnits += n;
    }
    for (const b of unsettled) {
      bufferedCells += b.rows.length;
      for (const r of b.rows) bufferedUnits += r.n;
    }
    const oldest = unsettled[0]?.sinceMs ?? (cellCount > 0 ? pendingSinceMs : undefined);
    let quarantinedUnits = 0;
    for (const b of quarantine) for (const r of b.rows) quarantinedUnits += r.n;
    return {
      bufferedCells,
      bufferedUnits,
      oldestUnflushedAgeMs: oldest === undefined ? 0 : Math.max(0, clock() - oldest),
      flushAttempts,
      flushFailures,
      consecutiveFailures,
      quarantinedBatches: quarantine.length,
      quarantinedUnits,
    };
  }

  return {
    increment,
    flush,
    close,
    readWithPending,
    pendingSum,
    stats,
    /** Batches set aside (see `onQuarantine`), oldest first. */
    quarantined: (): readonly QuarantinedBatch[] => quarantine,
    /** Distinct buffered cells. */
    get size() {
      return cellCount;
    },
  };
}

export type CounterBuffer = ReturnType<typeof createCounterBuffer>;

/** Total order (tenant, meter, minute) shared with ingestion, so concurrent upserts lock rows in one order. */
export function compareCells(a: BucketDelta, b: BucketDelta): number {
  if (a.tenantId !== b.tenantId) return a.tenantId < b.tenantId ? -1 : 1;
  if (a.meter !== b.meter) return a.meter < b.meter ? -1 : 1;
  return a.minuteMs - b.minuteMs;
}
