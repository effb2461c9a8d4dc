/** A store wrapper whose first `failures` completions throw, as a Postgres or Redis blip would. */
import type { IdempotencyStore } from "../src/index.js";

export interface FailingCompleteStore extends IdempotencyStore {
  /** Completions attempted so far, failed or not. */
  readonly completeCalls: number;
}

export function failingComplete(
  store: IdempotencyStore,
  failures: number,
  onFailure: (attempt: number) => void = () => {},
): FailingCompleteStore {
  let calls = 0;
  return {
    claim: (input) => store.claim(input),
    renew: (input) => store.renew(input),
    release: (input) => store.release(input),
    sweep: (input) => store.sweep(input),
    async complete(input) {
      calls++;
      if (calls <= failures) {
        onFailure(calls);
        throw new Error(`complete failed (injected, ${calls} of ${failures})`);
      }
      return store.complete(input);
    },
    get completeCalls() {
      return calls;
    },
  };
}
