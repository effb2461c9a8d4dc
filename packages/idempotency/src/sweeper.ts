/** @module Deletes expired idempotency records in batches, on demand or on an interval. */
import type { IdempotencyStore } from "./store.js";

export interface SweeperOptions {
  store: IdempotencyStore;
  /** Rows per delete statement. @default 1000 */
  batchSize?: number;
  /** Between sweeps when started. @default 60_000 */
  intervalMs?: number;
  /** Epoch ms. @default Date.now */
  clock?: () => number;
  /** Called when a sweep fails (the next one tries again). */
  onError?: (error: unknown) => void;
}

/**
 * A sweeper: `sweep()` deletes every expired record, one batch at a time so no statement holds
 * locks for long; `start()` runs it every `intervalMs` (the timer does not keep the process alive).
 *
 * @example
 * const sweeper = createIdempotencySweeper({ store, batchSize: 500 });
 * sweeper.start();
 * process.on("SIGTERM", () => sweeper.stop());
 */
export function createIdempotencySweeper(options: SweeperOptions) {
  const { store, batchSize = 1000, intervalMs = 60_000, clock = Date.now, onError } = options;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;

  async function sweepAll(): Promise<number> {
    const now = clock();
    let total = 0;
    for (;;) {
      const deleted = await store.sweep({ now, batchSize });
      total += deleted;
      if (deleted < batchSize) return total;
    }
  }

  return {
    /** Deletes all records expired by now; resolves to how many. Concurrent calls share one run. */
    sweep(): Promise<number> {
      running ??= sweepAll().finally(() => {
        running = undefined;
      });
      return running;
    },
    start(): void {
      if (timer) return;
      timer = setInterval(() => {
        this.sweep().catch((error: unknown) => onError?.(error));
      }, intervalMs);
      timer.unref();
    },
    stop(): void {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}

export type IdempotencySweeper = ReturnType<typeof createIdempotencySweeper>;
