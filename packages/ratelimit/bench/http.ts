/** @module Requests per second over real HTTP: a Hono route with our middleware vs the bare route. */
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { httpLoad, pinToCpus } from "@org/bench";
import { startChildServer } from "@org/test-services";
import { median } from "./median.js";

const server = fileURLToPath(new URL("./server.ts", import.meta.url));

async function startServer(mode: string, redisUrl: string): Promise<{ port: number; proc: ChildProcess }> {
  const { child, port } = await startChildServer(server, [mode, redisUrl]);
  pinToCpus(child.pid!, "server");
  return { port, proc: child };
}

async function load(server: { port: number; proc: ChildProcess }, durationS: number, tenants: number) {
  // The tenants take turns request by request.
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
 * Starts a server per variant and one bare (child processes), then for `rounds` rounds loads the
 * bare route and each variant back to back with httpLoad (wrk or autocannon, 50 connections on 127.0.0.1, for
 * `durationS` each), so each ratio compares measurements taken under the same machine load.
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
    process.env.BENCH_HTTP_RUNS ?? "noop:1,ours:1,ours:50,ours-lease:50,ours-selfhosted:1,peer:50"
  )
    .split(",")
    .map((r) => {
      const [mode, tenants] = r.split(":");
      return { mode: mode!, tenants: Number(tenants) };
    });
  pinToCpus(process.pid, "load"); // this process and the wrk it starts
  const servers: { port: number; proc: ChildProcess }[] = [];
  try {
    const bare = await startServer("bare", o.redisUrl);
    servers.push(bare);
    const variants = [];
    for (const run of runs) {
      const server = await startServer(run.mode, o.redisUrl);
      servers.push(server);
      await load(server, 1, run.tenants); // warm-up
      variants.push({
        ...run,
        server,
        rps: [] as number[],
        bare: [] as number[],
        ratios: [] as number[],
        cpu: [] as number[],
        cpuRatios: [] as number[],
        non2xx: 0,
        errors: 0,
      });
    }
    await load(bare, 1, 1);
    for (let round = 0; round < o.rounds; round++) {
      for (const v of variants) {
        const b = await load(bare, o.durationS, v.tenants);
        const r = await load(v.server, o.durationS, v.tenants);
        v.bare.push(b.rps);
        v.rps.push(r.rps);
        v.ratios.push(r.rps / b.rps);
        v.cpu.push(r.cpuUs);
        v.cpuRatios.push(b.cpuUs / r.cpuUs);
        v.non2xx += r.non2xx;
        v.errors += r.errors;
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
  } finally {
    for (const { proc } of servers) {
      proc.kill("SIGTERM");
      if (proc.exitCode === null) await new Promise((r) => proc.once("exit", r));
    }
  }
}
