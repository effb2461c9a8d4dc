/** @module Bounding the remote calls of saga steps. */

/**
 * A remote call of a saga step did not answer in time (it may still have happened).
 *
 * @example
 * if (error.cause instanceof StepTimeoutError) log.warn("billing slow");
 */
export class StepTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not answer within ${ms} ms`);
    this.name = "StepTimeoutError";
  }
}

/**
 * Rejects after `ms`; the call itself may still complete remotely, which compensations allow for.
 *
 * @example
 * await withTimeout("billing.createCustomer", 10_000, billing.createCustomer(input));
 */
export function withTimeout<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StepTimeoutError(what, ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
