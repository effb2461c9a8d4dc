/**
 * CPU profile of the api's `GET /v1/tenant` under load: starts bench/server.ts with --cpu-prof,
 * drives it with httpLoad (wrk, or autocannon without it), stops it, and prints where the profile was written.
 * Run: pnpm --filter @org/api bench:profile [bare|api]   (profiles land in .profiles/)
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { httpLoad } from "@org/bench";
import { createFreshDatabase, redisAvailable, TEST_REDIS_URL } from "@org/testing";

const KEY = "bench_key_0123456789abcdefghijklmnopqrstuv";
const mode = process.argv[2] ?? "api";
const dir = fileURLToPath(new URL("../.profiles/", import.meta.url));
const fresh = await createFreshDatabase();
const child = fork(fileURLToPath(new URL("./server.ts", import.meta.url)), [mode], {
  execArgv: ["--import", "tsx", "--cpu-prof", `--cpu-prof-dir=${dir}`],
  env: {
    ...process.env,
    DATABASE_URL: fresh.url,
    INITIAL_API_KEY: KEY,
    RATE_LIMIT_PER_SECOND: "10000000",
    ...((await redisAvailable()) ? { REDIS_URL: TEST_REDIS_URL } : {}),
  },
  stdio: "inherit",
});
const port = await new Promise<number>((r) => child.once("message", (m) => r((m as { port: number }).port)));
const result = await httpLoad({
  url: `http://127.0.0.1:${port}/v1/tenant`,
  connections: 50,
  durationS: Number(process.env.BENCH_SECONDS ?? 8),
  headers: { authorization: `Bearer ${KEY}` },
});
console.log(`${mode}: ${Math.round(result.rps)} req/s, p99 ${result.p99Ms} ms (${result.tool})`);
child.kill("SIGTERM");
await new Promise((r) => child.once("exit", r));
await fresh.drop();
console.log(`profile written to ${dir}`);
