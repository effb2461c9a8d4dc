/** @module Requests per second over real HTTP: a Hono route with our middleware vs the bare route. */
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { httpLoad, pinToCpus } from "@org/bench";
import { startChildServer } from "@org/test-services";
import { median } from "./median.js";

const server = fileURLToPath(new URL("./server.ts", import.meta.url));

/** Starts a bench server (this checkout's `bench/server.ts` unless `script` names another) pinned to the server CPU. */
export async function startServer(
  mode: string,
  redisUrl: string,
  script = server,
): Promise<{ port: number; proc: ChildProcess }> {
  const { child, port } = await startChildServer(script, [mode, redisUrl]);
  pinToCpus(child.pid!, "server");
  return { port, proc: child };
}

/** Loads a bench server with 50 connections, `tenants` taking turns request by request. */
export async function load(server: { port: number; proc: ChildProcess }, durationS: number, tenants: number) {
  const r = await httpLoad({
    url: `http://127.0.0.1:${server.port}/`,
    serverPid: server.proc.pid,
    headers: { "x-tenant": "ten_{{n}}" },
    pool: tenants,
    connections: 50,
    durationS,
  });
  return { rps: r.rps, non2xx: r.non2xx, errors: r.errors, cpuUs: r.serverCpuUs ?? Number.NaN };
}

/** Stops a bench server and waits for it to exit (it deletes its Redis keys on SIGTERM). */
export async function stopServer({ proc }: { proc: ChildProcess }): Promise<void> {
  proc.kill("SIGTERM");
  if (proc.exitCode === null) await new Promise((r) => proc.once("exit", r));
}

export interface HttpResult {
  mode: string;
  tenants: number;
  /** Median req/s of the variant over the rounds. */
  rps: number;
  /** Median req/s of the bare route measured right before it in each round. */
  bareRps: number;
  /** Median of the per-round ratios variant / bare. */
  ratio: number;
  /** Median server CPU per request (µs), and of the per-round ratios bare / variant. */
  cpuUs: number;
  cpuRatio: number;
  non2xx: number;
  errors: number;
}

/**
 * For `rounds` rounds: starts a fresh bare server and a fresh server per variant (child processes),
 * warms each up, then loads the bare route and each variant back to back with httpLoad (wrk or
 * autocannon, 50 connections on 127.0.0.1, for `durationS` each), so each ratio compares
 * measurements taken under the same machine load. Fresh processes every round, because identical
 * servers started side by side differed by up to 15% for the whole of a run here (three empty
 * middlewares: 0.91x, 0.87x and 0.78x of the bare route): a process's luck is then one round's
 * sample, which the median over rounds discounts, not a bias on every round.
 *
 * @example
 * await benchHttp({ redisUrl, durationS: 2, rounds: 3 });
 */
export async function benchHttp(o: {
  redisUrl: string;
  durationS: number;
  rounds: number;
}): Promise<HttpResult[]> {
  const runs = (
    process.env.BENCH_HTTP_RUNS ??
    "noop:1,ours:1,ours:50,ours-lease1024:1,ours-lease1024:50,ours-selfhosted:1,peer:50"
  )
    .split(",")
    .map((r) => {
      const [mode, tenants] = r.split(":");
      return { mode: mode!, tenants: Number(tenants) };
    });
  pinToCpus(process.pid, "load"); // this process and the wrk it starts
  const variants = runs.map((run) => ({
    ...run,
    rps: [] as number[],
    bare: [] as number[],
    ratios: [] as number[],
    cpu: [] as number[],
    cpuRatios: [] as number[],
    non2xx: 0,
    errors: 0,
  }));
  for (let round = 0; round < o.rounds; round++) {
    const servers: { port: number; proc: ChildProcess }[] = [];
    try {
      const bare = await startServer("bare", o.redisUrl);
      servers.push(bare);
      await load(bare, 1, 1); // warm-up
      const started = [];
      for (const v of variants) {
        const server = await startServer(v.mode, o.redisUrl);
        servers.push(server);
        await load(server, 1, v.tenants); // warm-up
        started.push(server);
      }
      for (const [i, v] of variants.entries()) {
        const b = await load(bare, o.durationS, v.tenants);
        const r = await load(started[i]!, o.durationS, v.tenants);
        v.bare.push(b.rps);
        v.rps.push(r.rps);
        v.ratios.push(r.rps / b.rps);
        v.cpu.push(r.cpuUs);
        v.cpuRatios.push(b.cpuUs / r.cpuUs);
        v.non2xx += r.non2xx;
        v.errors += r.errors;
      }
    } finally {
      for (const s of servers) await stopServer(s);
    }
  }
  return variants.map((v) => ({
    mode: v.mode,
    tenants: v.tenants,
    rps: median(v.rps),
    bareRps: median(v.bare),
    ratio: median(v.ratios),
    cpuUs: median(v.cpu),
    cpuRatio: median(v.cpuRatios),
    non2xx: v.non2xx,
    errors: v.errors,
  }));
}
