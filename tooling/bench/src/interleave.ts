/** @module interleave(): several HTTP loads measured in alternation, compared to a baseline per round. */
import type { HttpLoadResult } from "./http-load.js";

export interface InterleavedResult {
  runs: HttpLoadResult[];
  /** Medians over the rounds. */
  rps: number;
  p99Ms: number;
  /** Median over the rounds of this load's req/s / the baseline's req/s in the same round. */
  ratio: number;
  /** Median over the rounds of this load's p99 / the baseline's p99 in the same round. */
  p99Ratio: number;
  non2xx: number;
  errors: number;
  /** Median server CPU per request (µs), when the loads measured it. */
  serverCpuUs?: number;
  /** Median over the rounds of the baseline's server CPU per request / this load's. */
  cpuRatio?: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Runs every load once per round, in order, for `rounds` rounds, and compares each to the first
 * (the baseline) within each round: on a shared machine, load from elsewhere moves whole minutes
 * up and down, and a ratio of two measurements taken seconds apart is steadier than either.
 *
 * @example
 * const r = await interleave({ bare: () => httpLoad(a), api: () => httpLoad(b) }, 3);
 * console.log(r.api.ratio, r.api.p99Ratio);
 */
export async function interleave<K extends string>(
  loads: Record<K, () => Promise<HttpLoadResult>>,
  rounds: number,
): Promise<Record<K, InterleavedResult>> {
  const names = Object.keys(loads) as K[];
  if (names.length === 0 || !(rounds >= 1)) throw new Error("interleave: at least one load and one round");
  const runs = Object.fromEntries(names.map((n) => [n, [] as HttpLoadResult[]])) as Record<
    K,
    HttpLoadResult[]
  >;
  for (let round = 0; round < rounds; round++) {
    for (const name of names) runs[name].push(await loads[name]());
  }
  const base = runs[names[0]!];
  return Object.fromEntries(
    names.map((name) => {
      const r = runs[name];
      return [
        name,
        {
          runs: r,
          rps: median(r.map((x) => x.rps)),
          p99Ms: median(r.map((x) => x.p99Ms)),
          ratio: median(r.map((x, i) => x.rps / base[i]!.rps)),
          p99Ratio: median(r.map((x, i) => x.p99Ms / base[i]!.p99Ms)),
          non2xx: r.reduce((s, x) => s + x.non2xx, 0),
          errors: r.reduce((s, x) => s + x.errors, 0),
          ...(r.every((x, i) => x.serverCpuUs && base[i]!.serverCpuUs)
            ? {
                serverCpuUs: median(r.map((x) => x.serverCpuUs!)),
                cpuRatio: median(r.map((x, i) => base[i]!.serverCpuUs! / x.serverCpuUs!)),
              }
            : {}),
        },
      ];
    }),
  ) as Record<K, InterleavedResult>;
}
