/**
 * Same-run A/B of the rate-limited route: this checkout's bench server against another checkout's
 * (a worktree of an older commit, installed and built), variant by variant, with fresh server processes every
 * round and the two measured back to back in alternating order. Prints the median per-round ratio
 * of req/s (this / other) and each side's median server CPU per request.
 * Run: pnpm --filter @org/ratelimit bench:ab <other checkout> [mode:tenants ...]
 *   (default variants ours:1 ours:50; BENCH_DURATION_S=3, BENCH_ROUNDS=7, TEST_REDIS_URL)
 * e.g. git worktree add /tmp/base HEAD~1 && (cd /tmp/base && pnpm install && pnpm turbo run build --filter=@org/ratelimit...)
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { pinToCpus } from "@org/bench";
import { load, startServer, stopServer } from "./http.js";
import { median } from "./median.js";

const [otherDir, ...variantArgs] = process.argv.slice(2);
const otherServer = otherDir && join(resolve(otherDir), "packages/ratelimit/bench/server.ts");
if (!otherServer || !existsSync(otherServer)) {
  console.error("usage: pnpm --filter @org/ratelimit bench:ab <path of another checkout> [mode:tenants ...]");
  process.exit(2);
}
const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const durationS = Number(process.env.BENCH_DURATION_S ?? 3);
const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
const servers = { this: fileURLToPath(new URL("./server.ts", import.meta.url)), other: otherServer };
const variants = (variantArgs.length > 0 ? variantArgs : ["ours:1", "ours:50"]).map((v) => {
  const [mode, tenants] = v.split(":");
  return { mode: mode!, tenants: Number(tenants ?? 1) };
});

async function measure(script: string, mode: string, tenants: number) {
  const server = await startServer(mode, redisUrl, script);
  try {
    await load(server, 1, tenants); // warm-up
    return await load(server, durationS, tenants);
  } finally {
    await stopServer(server);
  }
}

pinToCpus(process.pid, "load");
console.log(`@org/ratelimit bench:ab: this checkout vs ${otherDir}, ${rounds} rounds of ${durationS} s`);
for (const { mode, tenants } of variants) {
  const ratios: number[] = [];
  const cpu = { this: [] as number[], other: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    // Alternate which side goes first: a drift within the round then favours neither.
    const order = round % 2 === 0 ? (["this", "other"] as const) : (["other", "this"] as const);
    const rps = { this: 0, other: 0 };
    for (const side of order) {
      const r = await measure(servers[side], mode, tenants);
      rps[side] = r.rps;
      cpu[side].push(r.cpuUs);
    }
    ratios.push(rps.this / rps.other);
  }
  console.log(
    `   ${`${mode}:${tenants}`.padEnd(20)} this / other ${median(ratios).toFixed(3)}x req/s (rounds ${ratios
      .map((r) => r.toFixed(2))
      .join(
        " ",
      )})   server CPU ${median(cpu.other).toFixed(1)} (other) -> ${median(cpu.this).toFixed(1)} (this) us/req`,
  );
}
