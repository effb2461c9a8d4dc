/** @module One Stripe call under an idempotency key, waiting out another process's call with the same key. */

/** What the Stripe call returns: the resource id, or the resource itself. */
export type StripeCallResult = string | { id: string };

/** Stripe's answer while another request with the same idempotency key is still running. */
const isKeyInUse = (error: unknown): boolean => {
  const e = error as { statusCode?: number; code?: string } | null;
  return e?.statusCode === 409 && e.code === "idempotency_key_in_use";
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls Stripe with the operation's key; while another process holds the key (409
 * `idempotency_key_in_use`), waits the next of `inUseBackoffMs` and asks again. Any other error, or
 * a 409 after the last wait, is thrown.
 *
 * @example
 * const result = await callStripe((idempotencyKey) => stripe.customers.create(params, { idempotencyKey }), key, [100, 200]);
 */
export async function callStripe(
  fn: (idempotencyKey: string) => Promise<StripeCallResult>,
  key: string,
  inUseBackoffMs: readonly number[],
): Promise<StripeCallResult> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(key);
    } catch (error) {
      const wait = inUseBackoffMs[attempt];
      if (!isKeyInUse(error) || wait === undefined) throw error;
      await sleep(wait);
    }
  }
}
