/** @module A small seeded PRNG, so shuffled or dropped webhook runs can be replayed. */

/**
 * mulberry32: fast, 32-bit state, good enough for test switches (never for secrets).
 *
 * @param seed - any integer
 * @returns a function giving numbers in [0, 1)
 * @example
 * const random = seededRandom(42);
 * random(); // 0.6011...
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
