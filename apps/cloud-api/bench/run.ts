/**
 * cloud-api's request path against a bare Hono route, over real HTTP, in one run: a tenant signs up
 * (Stripe stand-in), then `GET /v1/tenant` on its subdomain with its API key: subdomain + key
 * resolution (cache), Redis rate limit, idempotency check, quota check and API-call metering.
 * The tenant's plan is the default catalogue's free plan with limits raised so nothing is refused:
 * every request does the full work. Each server is its own process; the load comes from wrk
 * (autocannon where wrk is not installed; see @org/bench), in interleaved rounds.
 * Run: pnpm --filter @org/cloud-api bench   (BENCH_SECONDS=5, BENCH_ROUNDS=5)
 */
import { fileURLToPath } from "node:url";
import { defaultLoadTool, interleave, loadSetup, pinToCpus } from "@org/bench";
import { startChildServer } from "@org/testing";
import { benchEnvironment, loadTenant, signUp } from "./setup.js";

const SERVER = fileURLToPath(new URL("./server.ts", import.meta.url));
const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

const start = async (mode: string, env: Record<string, string> = {}) => {
  const server = await startChildServer(SERVER, [mode], env);
  pinToCpus(server.child.pid!, "server");
  return server;
};
pinToCpus(process.pid, "load"); // this process, the Stripe stand-in and the wrk it starts

const setup = await benchEnvironment();
const bare = await start("bare");
const cloud = await start("cloud", setup.env);
try {
  const secret = await signUp(cloud.port);
  const load = (server: { port: number; child: { pid?: number } }, durationS = DURATION) =>
    loadTenant(server, secret, durationS);
  await load(bare, 1);
  await load(cloud, 1);
  console.log(
    `load: ${loadSetup(defaultLoadTool())}, 50 connections, ${DURATION} s per measurement, medians of ${ROUNDS} interleaved rounds`,
  );
  const r = await interleave({ bare: () => load(bare), cloud: () => load(cloud) }, ROUNDS);
  const line = (name: string, x: (typeof r)["cloud"]) =>
    `${name.padEnd(58)} ${Math.round(x.rps).toString().padStart(7)} req/s  p99 ${x.p99Ms} ms  server CPU ${x.serverCpuUs?.toFixed(1)} us/req  non-2xx ${x.non2xx}`;
  console.log(line("bare Hono GET /v1/tenant", r.bare));
  console.log(line("cloud-api GET /v1/tenant (subdomain + API key, Redis, Postgres)", r.cloud));
  console.log(
    `ratio cloud-api/bare: ${r.cloud.ratio.toFixed(2)}x req/s (target >= 0.6x), p99 ${r.cloud.p99Ratio.toFixed(2)}x (target <= 2x); ` +
      `server CPU per request ${r.cloud.cpuRatio?.toFixed(2)}x bare's (bare / cloud-api)`,
  );
} finally {
  bare.child.kill("SIGTERM");
  cloud.child.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 500));
  await setup.close();
}
