/** @module The blocked cache: refused keys remembered locally until the store could admit them again. */
import { type RateLimitDecision, toDecision } from "./decision.js";
import { retryAfterOf } from "./gcra.js";
import type { Policy } from "./policy.js";
import type { StoreDecision } from "./store.js";

interface Blocked {
  policies: readonly Policy[];
  untilMs: number;
  atMs: number;
  offsetsMs: number[];
}

/**
 * Remembers refused keys until the moment the store itself would first admit a unit again, so it
 * only ever refuses what the store would refuse: it changes where refusals are answered, not what
 * is admitted.
 */
export function createBlockedCache(options: { maxLocalKeys: number; onHit?: () => void }) {
  const { maxLocalKeys, onHit } = options;
  const blocked = new Map<string, Blocked>();

  /** The cached refusal of the key under these policies, or null. */
  function refusal(key: string, ps: readonly Policy[], cost: number, now: number): RateLimitDecision | null {
    const b = blocked.get(key);
    if (b === undefined) return null;
    if (b.policies !== ps || now >= b.untilMs) {
      blocked.delete(key);
      return null;
    }
    const elapsed = now - b.atMs;
    const offsetsMs = b.offsetsMs.map((o) => o - elapsed);
    onHit?.();
    return toDecision(ps, { allowed: false, leased: 0, offsetsMs }, cost, "blocked-cache");
  }

  /** Remembers a refusal of the store. */
  function remember(key: string, ps: readonly Policy[], raw: StoreDecision, now: number): void {
    // The earliest moment any single unit could pass: refusing before it is what the store would do.
    let waitMs = 0;
    for (let j = 0; j < ps.length; j++) {
      const w = retryAfterOf(ps[j]!, raw.offsetsMs[j]!, 1);
      if (w > waitMs) waitMs = w;
    }
    if (waitMs <= 0) return;
    if (blocked.size >= maxLocalKeys) {
      const oldest = blocked.keys().next().value;
      if (oldest !== undefined) blocked.delete(oldest);
    }
    blocked.set(key, { policies: ps, untilMs: now + waitMs, atMs: now, offsetsMs: raw.offsetsMs });
  }

  return {
    /** Whether any key is remembered (a cheap guard on the hot path). */
    get any(): boolean {
      return blocked.size > 0;
    },
    refusal,
    remember,
  };
}
export type BlockedCache = ReturnType<typeof createBlockedCache>;
