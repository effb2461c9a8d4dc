/** @module State that belongs to one fake but lives outside its store (bookkeeping Stripe does not show). */
import type { Core } from "./core.js";

/**
 * A getter for a value kept per fake instance, created on first use and dropped with the fake.
 *
 * @example
 * const notifiedOf = perCore(() => new Set<string>());
 * notifiedOf(core).add(subscription.id);
 */
export function perCore<T>(create: () => T): (core: Core) => T {
  const byCore = new WeakMap<Core, T>();
  return (core) => {
    let value = byCore.get(core);
    if (value === undefined) {
      value = create();
      byCore.set(core, value);
    }
    return value;
  };
}
