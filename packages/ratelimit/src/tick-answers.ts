/** @module Answers decided locally, handed out together at the end of the event-loop tick. */

/**
 * Returns `answer(value)`: a promise of `value` that resolves in this tick's check phase
 * (`setImmediate`), together with every other value answered in the same tick, in order.
 *
 * Why not at once: a store decision already answers a whole tick at one Redis reply, so the
 * responses it lets through leave back to back. An answer resolved at once sends its response in
 * between the reads of the other connections, one write at a time. Each such write may wake a
 * client process on the same host on its own (a local reverse proxy, a sidecar, a load test), and
 * the wake-ups cost the server more than the wait: measured on loopback (`pnpm bench:ab`), server
 * CPU per request went from 19.3 to 17.4 us on the memory store, where this is the only change,
 * and from 20.4 to 18.4 us with leases at 50 tenants, together with the leases' top-ups
 * (docs/benchmarks.md, "What the figures rest on").
 *
 * @example
 * const answer = createTickAnswers<number>();
 * const p = answer(42); // resolves with 42 once the current poll phase is over
 */
export function createTickAnswers<T>(): (value: T) => Promise<T> {
  let resolves: ((value: T) => void)[] = [];
  let values: T[] = [];

  function flush(): void {
    const due = resolves;
    const of = values;
    resolves = [];
    values = [];
    for (let i = 0; i < due.length; i++) due[i]!(of[i]!);
  }

  return (value) =>
    new Promise<T>((resolve) => {
      if (resolves.length === 0) setImmediate(flush);
      resolves.push(resolve);
      values.push(value);
    });
}
