/** @module One flush at a time, flushes soon after a burst, and reads that see every count exactly once. */

export interface FlushQueueOptions {
  /** One flush: takes the buffered cells and writes every unsettled batch. */
  flushOnce: () => Promise<void>;
  /** Write attempts so far: a read compares them to know whether a write started meanwhile. */
  attempts: () => number;
  /** Whether a flush may start now (not backing off after a failed write). */
  due: () => boolean;
  /** Whether another soon flush is wanted after one ends (the buffer is full again, or closed). */
  wantsMore: () => boolean;
}

/** Serialises the counter buffer's flushes and coordinates them with reads of the database. */
export function createFlushQueue(options: FlushQueueOptions) {
  const { flushOnce, attempts, due, wantsMore } = options;
  let flushing: Promise<void> | null = null;
  let hold: Promise<void> | null = null;
  let soonScheduled = false;
  let soonQueued = false;

  async function heldFlushOnce(): Promise<void> {
    if (hold) await hold;
    await flushOnce();
  }

  /** Writes everything buffered now. Concurrent calls share one write; a call during a write waits for the next. */
  function flush(): Promise<void> {
    const previous = flushing ?? Promise.resolve();
    const next = previous.catch(() => {}).then(heldFlushOnce);
    const tracked = next.finally(() => {
      if (flushing === tracked) flushing = null;
    });
    flushing = tracked;
    return tracked;
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
          if (wantsMore()) flushSoon();
        });
    });
  }

  /**
   * Runs a database read and returns it with `buffered()` taken in the same continuation, such that
   * no flush wrote in between: it waits out a running flush, and reads again if a write started
   * while it was reading (after a few tries it holds flushes back for one read).
   */
  async function readConsistent<T, B>(
    read: () => Promise<T>,
    buffered: () => B,
  ): Promise<{ result: T; cells: B }> {
    for (let attempt = 0; ; attempt++) {
      while (flushing) await flushing.catch(() => {});
      const startedBefore = attempts();
      let release: (() => void) | undefined;
      if (attempt >= 3) hold = new Promise<void>((r) => (release = r));
      try {
        const result = await read();
        if (attempts() === startedBefore) return { result, cells: buffered() };
      } finally {
        if (release) {
          hold = null;
          release();
        }
      }
    }
  }

  return { flush, flushSoon, readConsistent };
}
