/** @module Storing the completed response, retried with backoff while the claim is still held. */
import { setTimeout as sleep } from "node:timers/promises";
import type { CompleteInput, IdempotencyStore } from "../store.js";

/**
 * Completes the claim, trying again after each delay of `delaysMs` when the store throws (a blip of
 * Postgres or Redis). The handler already ran: giving up would leave the claim to lapse and a retry
 * to run the handler again, so a few seconds of patience are cheap. `false` (the claim is no longer
 * ours) is an answer, not a failure, and is not retried. Throws the last error when every attempt
 * failed.
 */
export async function completeWithRetry(
  store: IdempotencyStore,
  input: CompleteInput,
  delaysMs: readonly number[],
  onError: (error: unknown) => void,
): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await store.complete(input);
    } catch (error) {
      const delay = delaysMs[attempt];
      if (delay === undefined) throw error;
      onError(error);
      await sleep(delay);
    }
  }
}
