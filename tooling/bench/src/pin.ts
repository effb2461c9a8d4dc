/** @module pinToCpus(): the server under test on one CPU, the load generator on the others. */
import { spawnSync } from "node:child_process";
import { cpus } from "node:os";

export type CpuRole = "server" | "load";

/**
 * The CPUs a role gets: the server CPU 0, the load generator (and Redis, Postgres, whatever else the
 * scheduler places there) the rest. Undefined when pinning is off: `BENCH_PIN=0`, fewer than two
 * CPUs, or no `taskset` (util-linux).
 */
export function cpusFor(role: CpuRole): string | undefined {
  // All the machine's CPUs, not availableParallelism(): that shrinks once this process is pinned.
  const n = cpus().length;
  if (process.env.BENCH_PIN === "0" || n < 2) return undefined;
  return role === "server" ? "0" : n === 2 ? "1" : `1-${n - 1}`;
}

/**
 * Pins a process (all its threads) to its role's CPUs, so that the server under test never shares
 * its core with the load generator: on a 2-core machine the scheduler otherwise moves them around
 * and every figure with them. Production has the same shape (clients elsewhere). Returns false when
 * pinning is off or `taskset` is missing; throws when `taskset` refused (a process still starting up
 * cannot be pinned: pin a server once it listens). Children started afterwards inherit the pinning.
 *
 * @example
 * pinToCpus(process.pid, "load"); // this process, and the wrk it starts
 * pinToCpus(server.pid, "server");
 */
export function pinToCpus(pid: number, role: CpuRole): boolean {
  const list = cpusFor(role);
  if (list === undefined) return false;
  const r = spawnSync("taskset", ["-a", "-p", "-c", list, String(pid)], { encoding: "utf8" });
  if (r.error) return false;
  if (r.status !== 0) throw new Error(`taskset could not pin ${pid} to CPU ${list}: ${r.stderr.trim()}`);
  return true;
}

/**
 * One line saying how load is generated, for a benchmark's header.
 *
 * @example
 * console.log(loadSetup()); // "wrk; server pinned to CPU 0, load generator to CPU 1"
 */
export function loadSetup(tool: string): string {
  const server = cpusFor("server");
  return server === undefined
    ? `${tool}; no CPU pinning`
    : `${tool}; server pinned to CPU ${server}, load generator to CPU ${cpusFor("load")}`;
}
