/**
 * The api's request path against a bare Hono route, over real HTTP, in one run:
 * GET /v1/tenant with API-key auth, tenant resolution (cache), rate limit, idempotency check,
 * quota check and API-call metering, vs the same route with nothing. Then POST /v1/usage/events.
 * Each server is its own process; the load comes from wrk (autocannon where wrk is not installed),
 * see @org/bench. Run: pnpm --filter @org/api bench
 */
import { fileURLToPath } from "node:url";
import { defaultLoadTool, type HttpLoadOptions, httpLoad } from "@org/bench";
import { createFreshDatabase, redisAvailable, startChildServer, TEST_REDIS_URL } from "@org/testing";

const KEY = "bench_key_0123456789abcdefghijklmnopqrstuv";
const SERVER = fileURLToPath(new URL("./server.ts", import.meta.url));
const DURATION = Number(process.env.BENCH_SECONDS ?? 5);

const start = (mode: string, env: Record<string, string> = {}) => startChildServer(SERVER, [mode], env);

async function load(port: number, init: Partial<HttpLoadOptions> = {}) {
  return httpLoad({
    url: `http://127.0.0.1:${port}/v1/tenant`,
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
console.log(`load: ${defaultLoadTool()}, 50 connections, ${DURATION} s per measurement`);
const bare = await start("bare");
const same = await start("bare-same");
const api = await start("api", env);
try {
  await load(bare.port, { durationS: 1 });
  await load(api.port, { durationS: 1 });
  await load(same.port, { durationS: 1 });
  const b = await load(bare.port);
  const s = await load(same.port);
  const a = await load(api.port);
  const line = (name: string, r: typeof a) =>
    `${name.padEnd(52)} ${Math.round(r.rps).toString().padStart(7)} req/s  p50 ${r.p50Ms} ms  p99 ${r.p99Ms} ms  non-2xx ${r.non2xx}`;
  console.log(line("bare Hono GET /v1/tenant", b));
  console.log(line("bare Hono, the api's exact response bytes", s));
  console.log(line(`api GET /v1/tenant (${useRedis ? "Redis" : "memory"} stores, Postgres)`, a));
  console.log(
    `ratio api/bare: ${(a.rps / b.rps).toFixed(2)}x req/s (target >= 0.6x), p99 ${(a.p99Ms / b.p99Ms).toFixed(2)}x (target <= 2x)`,
  );
  console.log(
    `ratio api/bare with the same response bytes: ${(a.rps / s.rps).toFixed(2)}x req/s, p99 ${(a.p99Ms / s.p99Ms).toFixed(2)}x ` +
      "(the load generator shares the 2 cores: bigger answers cost it more)",
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
