/** @module The median of a few measurements: this machine is shared, single runs are noisy. */

/**
 * @example
 * median([3, 1, 2]); // 2
 */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
