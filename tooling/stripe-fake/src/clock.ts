/** @module The fake's test clock: Stripe time in seconds, moved forward by tests. */

/** Parse `30d`, `1h`, `90m`, `45s`, `1500ms`, `2w`, `1mo` (30 days) or plain milliseconds. */
const UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  mo: 2_592_000_000,
};

/**
 * Parse a human duration into milliseconds.
 *
 * @param input - e.g. `"31d"`, `"2h30m"`, `86400000`
 * @returns milliseconds
 * @throws Error on an unreadable duration
 * @example
 * parseDuration("1d12h"); // 129_600_000
 */
export function parseDuration(input: string | number): number {
  if (typeof input === "number") return input;
  const trimmed = input.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  let total = 0;
  let consumed = "";
  for (const match of trimmed.matchAll(/(\d+(?:\.\d+)?)(mo|ms|s|m|h|d|w)/g)) {
    total += Number(match[1]) * (UNITS_MS[match[2] as string] as number);
    consumed += match[0];
  }
  if (consumed !== trimmed.replaceAll(" ", "") || consumed === "")
    throw new Error(`Unreadable duration: ${input}`);
  return total;
}

/** A settable clock in Stripe's unit (seconds). */
export interface FakeClock {
  /** Current fake time in Unix seconds. */
  now(): number;
  /** Current fake time in milliseconds. */
  nowMs(): number;
  /** Move the raw clock (the engine's `advance` also runs everything that falls due). */
  set(ms: number): void;
}

/**
 * A clock starting at `startMs` (default: the real time at creation).
 *
 * @example
 * const clock = createFakeClock(Date.UTC(2026, 0, 1));
 * clock.now(); // 1767225600
 */
export function createFakeClock(startMs: number = Date.now()): FakeClock {
  let current = startMs;
  return {
    now: () => Math.floor(current / 1000),
    nowMs: () => current,
    set(ms) {
      if (ms < current) throw new Error("The test clock only moves forward");
      current = ms;
    },
  };
}
