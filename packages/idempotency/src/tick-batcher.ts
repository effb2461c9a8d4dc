/** @module Gathers the calls of one event-loop tick into one batch: one statement, one round trip, one commit. */

export interface TickBatcherOptions<I> {
  /** Calls with equal keys never share a batch (one statement must not touch a row twice). */
  keyOf: (input: I) => string;
  /** At most this many calls per batch. */
  maxBatch: number;
  /**
   * At most this many batches at once; calls arriving meanwhile wait for the next one, so batches
   * grow with the load instead of the number of statements.
   */
  maxInFlight: number;
  /** A call's size (e.g. the bytes it sends): a batch holds at most `maxSize` in total, or one call. */
  sizeOf?: (input: I) => number;
  maxSize?: number;
}

interface Waiting<I, O> {
  input: I;
  resolve: (output: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Returns a function that queues one call and resolves with its own output once `run` has
 * answered its batch (`run` returns one output per input, in order). A failed batch rejects each
 * of its calls with the same error; the calls of other batches are not affected.
 *
 * @example
 * const claim = createTickBatcher((inputs) => claimAll(inputs), { keyOf: (i) => i.key, maxBatch: 256, maxInFlight: 4 });
 * const result = await claim(input);
 */
export function createTickBatcher<I, O>(
  run: (inputs: I[]) => Promise<O[]>,
  options: TickBatcherOptions<I>,
): (input: I) => Promise<O> {
  const { keyOf, maxBatch, maxInFlight, sizeOf, maxSize = Number.POSITIVE_INFINITY } = options;
  let queue: Waiting<I, O>[] = [];
  let scheduled = false;
  let inFlight = 0;

  function schedule(): void {
    if (scheduled || queue.length === 0 || inFlight >= maxInFlight) return;
    scheduled = true;
    setImmediate(flush);
  }

  /** Takes up to `maxBatch` calls with distinct keys off the queue, keeping the rest in order. */
  function take(): Waiting<I, O>[] {
    const batch: Waiting<I, O>[] = [];
    const rest: Waiting<I, O>[] = [];
    const keys = new Set<string>();
    let size = 0;
    for (const w of queue) {
      const key = keyOf(w.input);
      const more = sizeOf ? sizeOf(w.input) : 0;
      const fits = batch.length < maxBatch && (batch.length === 0 || size + more <= maxSize);
      // A key seen once, taken or left, takes nothing more: calls of one key keep their order.
      if (fits && !keys.has(key)) {
        batch.push(w);
        size += more;
      } else rest.push(w);
      keys.add(key);
    }
    queue = rest;
    return batch;
  }

  function send(batch: Waiting<I, O>[]): void {
    inFlight++;
    const settle = (outputs: O[] | undefined, error?: unknown) => {
      inFlight--;
      for (let i = 0; i < batch.length; i++) {
        if (outputs) batch[i]!.resolve(outputs[i]!);
        else batch[i]!.reject(error);
      }
      schedule();
    };
    let pending: Promise<O[]>;
    try {
      pending = run(batch.map((w) => w.input));
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (outputs) => settle(outputs),
      (error: unknown) => settle(undefined, error),
    );
  }

  function flush(): void {
    scheduled = false;
    while (queue.length > 0 && inFlight < maxInFlight) send(take());
  }

  return (input) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ input, resolve, reject });
      schedule();
    });
}
