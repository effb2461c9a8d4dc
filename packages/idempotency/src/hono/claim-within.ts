/** @module A store claim bounded in time, released again if it lands after the caller gave up. */
import type { ClaimResult } from "../store.js";

/**
 * The claim, or a rejection after `timeoutMs`; a claim that lands after that is released again.
 *
 * @example
 * const claim = await claimWithin(store.claim(input), 5_000, () => store.release({ scope, key, ownerToken }));
 */
export function claimWithin(
  claim: Promise<ClaimResult>,
  timeoutMs: number,
  release: () => Promise<unknown>,
): Promise<ClaimResult> {
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      reject(new Error(`idempotency store did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    claim.then(
      (result) => {
        clearTimeout(timer);
        if (!timedOut) return resolve(result);
        if (result.kind === "claimed") release().catch(() => {});
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
