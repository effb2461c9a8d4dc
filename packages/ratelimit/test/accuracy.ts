/** @module The accuracy experiment shared by the normal and the chaos suite: 4 processes, one key. */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const hammer = fileURLToPath(new URL("./hammer.ts", import.meta.url));

export interface AccuracyResult {
  allowed: number;
  attempts: number;
  fallbacks: number;
  /** From the first attempt's start to the last attempt's answer, over all processes (ms). */
  windowMs: number;
  /** burst + rate x windowMs: the most an exact limiter may admit. */
  ideal: number;
  /**
   * From the first answer to the start of the last request Redis refused (ms). Redis refusing at
   * time t means the bucket was empty then: at least burst + rate x t had been charged by t,
   * however the processes were scheduled (a stalled client misses tokens; the limiter does not).
   */
  refusedWindowMs: number;
  /**
   * What an exact limiter must at least admit: burst + rate x refusedWindowMs, less one request per
   * process in flight and, with leases, the units the processes may hold unspent at the end: each
   * under 1.5 leases (what is left of one when the next is added to it), and all together about one
   * burst at most, since a lease takes at most half of what the bucket has left.
   */
  idealRefused: number;
}

interface ChildResult {
  allowed: number;
  attempts: number;
  fallbacks: number;
  firstMs: number;
  lastMs: number;
  lastStartMs: number;
  firstAnswerMs: number;
  lastStoreRefusalStartMs: number;
}

/** Lines a child prints, in order. */
function lines(proc: ChildProcess): () => Promise<string> {
  let buffer = "";
  const queue: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  proc.stdout!.on("data", (d: Buffer) => {
    buffer += d.toString();
    for (let i = buffer.indexOf("\n"); i >= 0; i = buffer.indexOf("\n")) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      const w = waiting.shift();
      if (w) w(line);
      else queue.push(line);
    }
  });
  return () =>
    new Promise((resolve, reject) => {
      const line = queue.shift();
      if (line !== undefined) return resolve(line);
      waiting.push(resolve);
      proc.once("exit", (code) => reject(new Error(`hammer exited with ${code}`)));
    });
}

/**
 * Runs `processes` children hammering one key through Redis for `durationMs`, all starting at the
 * same moment once every one of them is connected.
 *
 * @example
 * const r = await runAccuracy({ redisUrl, prefix, processes: 4, durationMs: 3000, rate: 200, periodMs: 1000, burst: 100 });
 */
export async function runAccuracy(o: {
  redisUrl: string;
  prefix: string;
  processes: number;
  durationMs: number;
  rate: number;
  periodMs: number;
  burst: number;
  workers?: number;
  leaseUnits?: number;
}): Promise<AccuracyResult> {
  const key = `acc-${Date.now()}-${o.leaseUnits ?? 0}`;
  const args = [o.redisUrl, o.prefix, key, o.rate, o.periodMs, o.burst, o.workers ?? 8, o.leaseUnits ?? 0];
  const procs = Array.from({ length: o.processes }, () =>
    spawn(process.execPath, ["--import", "tsx", hammer, ...args.map(String)], {
      stdio: ["pipe", "pipe", "inherit"],
    }),
  );
  try {
    const readers = procs.map(lines);
    for (const next of readers) expect(await next(), "ready");
    const startAt = Date.now() + 200;
    for (const p of procs) p.stdin!.write(`${startAt} ${startAt + o.durationMs}\n`);
    const results = await Promise.all(readers.map(async (next) => JSON.parse(await next()) as ChildResult));
    const windowMs = Math.max(...results.map((r) => r.lastMs)) - Math.min(...results.map((r) => r.firstMs));
    const refusedWindowMs =
      Math.max(...results.map((r) => r.lastStoreRefusalStartMs)) -
      Math.min(...results.map((r) => r.firstAnswerMs));
    const unspentAtMost = o.processes + Math.min(o.processes * 1.5 * (o.leaseUnits ?? 0), o.burst);
    const sum = (f: (r: ChildResult) => number) => results.reduce((a, r) => a + f(r), 0);
    return {
      allowed: sum((r) => r.allowed),
      attempts: sum((r) => r.attempts),
      fallbacks: sum((r) => r.fallbacks),
      windowMs,
      ideal: o.burst + (o.rate * windowMs) / o.periodMs,
      refusedWindowMs,
      idealRefused: o.burst + (o.rate * refusedWindowMs) / o.periodMs - unspentAtMost,
    };
  } finally {
    for (const p of procs) if (p.exitCode === null) p.kill();
  }
}

function expect(line: string, wanted: string): void {
  if (line !== wanted)
    throw new Error(`hammer said ${JSON.stringify(line)}, expected ${JSON.stringify(wanted)}`);
}
