/** @module In-memory accumulation of counter increments per (tenant, meter, minute), flushed in batches. */
import { randomUUID } from "node:crypto";
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
  /** Called after a batch is durable (caches, shared counters, metrics). Must not throw. */
  onFlushed?: (rows: BucketDelta[]) => void;
  /** Called when a write fails; the batch has already been put back. */
  onError?: (error: unknown) => void;
  clock?: () => number;
  /** @default 1000 */
  intervalMs?: number;
  /** Distinct cells that trigger an early flush. @default 10000 */
  maxKeys?: number;
}

type Cells = Map<string, Map<string, Map<number, number>>>;

interface Batch {
  id: string;
  rows: BucketDelta[];
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
 * up. A failed write keeps its batch (with its flush id) and retries it on the next tick, so a
 * database outage grows that window until it recovers; nothing is dropped silently, and a batch
 * whose commit outcome was unknown is never applied twice.
 *
 * @example
 * const buffer = createCounterBuffer({ write: (rows) => upsertBuckets(db, rows) });
 * buffer.increment("ten_1", "api_calls", 1);
 * await buffer.close(); // drains
 */
export function createCounterBuffer(options: CounterBufferOptions) {
  const { write, onFlushed, onError, clock = Date.now, intervalMs = 1_000, maxKeys = 10_000 } = options;
  // tenant -> meter -> cells. Nested maps, not a joined string key: the hot path allocates nothing
  // once a (tenant, meter, minute) cell exists, and a check reads one tenant's meter without a scan.
  let pending: Cells = new Map();
  let cellCount = 0;
  /** Batches taken from the buffer whose write failed; retried first, under their own ids. */
  const unsettled: Batch[] = [];
  let flushing: Promise<void> | null = null;
  let flushStarts = 0;
  let hold: Promise<void> | null = null;
  let soonScheduled = false;
  let soonQueued = false;
  let closed = false;

  const timer = setInterval(() => {
    if (cellCount > 0 || unsettled.length > 0) flush().catch(() => {});
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
      cellCount++;
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
    if (soonScheduled) return;
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

  async function writeBatch(batch: Batch): Promise<void> {
    flushStarts++;
    await write(batch.rows, batch.id);
    onFlushed?.(batch.rows);
  }

  async function flushOnce(): Promise<void> {
    if (hold) await hold;
    // Batches whose write failed go first, each again under its own id: if an earlier attempt did
    // commit (a connection lost during the commit), the ledger recognises the id and nothing is added twice.
    while (unsettled.length > 0) {
      try {
        await writeBatch(unsettled[0]!);
      } catch (error) {
        onError?.(error);
        throw error;
      }
      unsettled.shift();
    }
    if (cellCount === 0) return;
    const batch: Batch = { id: `fl_${randomUUID()}`, rows: cellsOf(pending).sort(compareCells) };
    pending = new Map();
    cellCount = 0;
    try {
      await writeBatch(batch);
    } catch (error) {
      unsettled.push(batch);
      onError?.(error);
      throw error;
    }
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
          return { result, cells: [...cellsOf(pending), ...unsettled.flatMap((b) => b.rows)] };
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
    for (const batch of unsettled) {
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

  return {
    increment,
    flush,
    close,
    readWithPending,
    pendingSum,
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
