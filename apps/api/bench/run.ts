/**
 * The api's request path against a bare Hono route, over real HTTP, in one run:
 * GET /v1/tenant with API-key auth, tenant resolution (cache), rate limit, idempotency check,
 * quota check and API-call metering, vs the same route with nothing. Then POST /v1/usage/events.
 * Each server is its own process; the load comes from wrk (autocannon where wrk is not installed),
 * see @org/bench. Run: pnpm --filter @org/api bench
 */
import { fileURLToPath } from "node:url";
import {
  defaultLoadTool,
  type HttpLoadOptions,
  httpLoad,
  interleave,
  loadSetup,
  pinToCpus,
} from "@org/bench";
import { createFreshDatabase, redisAvailable, startChildServer, TEST_REDIS_URL } from "@org/testing";

const KEY = "bench_key_0123456789abcdefghijklmnopqrstuv";
const SERVER = fileURLToPath(new URL("./server.ts", import.meta.url));
const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

const start = async (mode: string, env: Record<string, string> = {}) => {
  const server = await startChildServer(SERVER, [mode], env);
  pinToCpus(server.child.pid!, "server");
  return server;
};
pinToCpus(process.pid, "load"); // this process and the wrk it starts

async function load(server: { port: number; child: { pid?: number } }, init: Partial<HttpLoadOptions> = {}) {
  return httpLoad({
    url: `http://127.0.0.1:${server.port}/v1/tenant`,
    serverPid: server.child.pid,
    connections: 50,
    durationS: DURATION,
    headers: { authorization: `Bearer ${KEY}` },
    ...init,
  });
}

const fresh = await createFreshDatabase();
const useRedis = await redisAvailable();
const env = {
  DATABASE_URL: fresh.url,
  INITIAL_API_KEY: KEY,
  RATE_LIMIT_PER_SECOND: "10000000",
  ...(useRedis ? { REDIS_URL: TEST_REDIS_URL } : {}),
};
console.log(
  `load: ${loadSetup(defaultLoadTool())}, 50 connections, ${DURATION} s per measurement, medians of ${ROUNDS} interleaved rounds`,
);
const bare = await start("bare");
const same = await start("bare-same");
const api = await start("api", env);
try {
  await load(bare, { durationS: 1 });
  await load(api, { durationS: 1 });
  await load(same, { durationS: 1 });
  const r = await interleave(
    { bare: () => load(bare), same: () => load(same), api: () => load(api) },
    ROUNDS,
  );
  const line = (name: string, x: (typeof r)["api"]) =>
    `${name.padEnd(52)} ${Math.round(x.rps).toString().padStart(7)} req/s  p99 ${x.p99Ms} ms  server CPU ${x.serverCpuUs?.toFixed(1)} us/req  non-2xx ${x.non2xx}`;
  console.log(line("bare Hono GET /v1/tenant", r.bare));
  console.log(line("bare Hono, the api's exact response bytes", r.same));
  console.log(line(`api GET /v1/tenant (${useRedis ? "Redis" : "memory"} stores, Postgres)`, r.api));
  console.log(
    `ratio api/bare: ${r.api.ratio.toFixed(2)}x req/s (target >= 0.6x), p99 ${r.api.p99Ratio.toFixed(2)}x (target <= 2x); ` +
      `server CPU per request ${r.api.cpuRatio?.toFixed(2)}x bare's (bare / api)`,
  );
  console.log(
    `ratio api/bare with the same response bytes: ${(r.api.ratio / r.same.ratio).toFixed(2)}x req/s ` +
      "(answering the api's bytes alone, headers included, costs the bare route " +
      `${((1 - r.same.ratio) * 100).toFixed(0)}% of its req/s)`,
  );

  const run = `b${process.pid}_${Date.now().toString(36)}`;
  const events = await httpLoad({
    url: `http://127.0.0.1:${api.port}/v1/usage/events`,
    connections: 16,
    durationS: DURATION,
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    // {{n}} is the request's number: every event id is new.
    body: JSON.stringify({
      events: Array.from({ length: 100 }, (_, i) => ({
        id: `${run}_{{n}}_${i}`,
        meter: "tokens",
        quantity: 10,
      })),
    }),
  });
  console.log(
    `POST /v1/usage/events (batches of 100): ${Math.round(events.rps * 100)} events/s, p99 ${events.p99Ms} ms, non-2xx ${events.non2xx}`,
  );
} finally {
  bare.child.kill("SIGTERM");
  same.child.kill("SIGTERM");
  api.child.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 500));
  await fresh.drop();
}
