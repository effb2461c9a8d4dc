/** @module Decisions while the store cannot answer: insurance (local, divided), open or closed. */
import { type RateLimitDecision, toDecision } from "./decision.js";
import { createMemoryStore } from "./memory-store.js";
import { dividePolicy, type Policy } from "./policy.js";

export interface FallbackOptions {
  failMode: "insurance" | "open" | "closed";
  expectedNodes: number;
  retryIntervalMs: number;
  maxLocalKeys: number;
  clock: () => number;
  onDecision?: () => void;
}

/**
 * The limiter's answer without its store: `insurance` decides locally with each policy divided by
 * `expectedNodes` (so n nodes together stay near the shared limit); `open` admits; `closed` refuses
 * until the store is probed again.
 */
export function createFallback(options: FallbackOptions) {
  const { failMode, expectedNodes, retryIntervalMs, maxLocalKeys, clock, onDecision } = options;
  const insurance = createMemoryStore({ maxKeys: maxLocalKeys, clock });
  const divided = new WeakMap<readonly Policy[], readonly Policy[]>();

  function dividedOf(ps: readonly Policy[]): readonly Policy[] {
    let d = divided.get(ps);
    if (!d) {
      d = ps.map((p) => dividePolicy(p, expectedNodes));
      divided.set(ps, d);
    }
    return d;
  }

  return async function fallback(
    key: string,
    ps: readonly Policy[],
    cost: number,
  ): Promise<RateLimitDecision> {
    onDecision?.();
    if (failMode === "insurance") {
      const local = dividedOf(ps);
      return toDecision(local, await insurance.decide(key, local, cost), cost, "insurance");
    }
    const offsetsMs: number[] = ps.map((p) => (failMode === "open" ? 0 : p.toleranceMs + retryIntervalMs));
    return toDecision(ps, { allowed: failMode === "open", leased: 0, offsetsMs }, cost, `fail-${failMode}`);
  };
}
