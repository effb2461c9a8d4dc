/**
 * The api's request path against a bare Hono route, over real HTTP, in one run:
 * GET /v1/tenant with API-key auth, tenant resolution (cache), rate limit, idempotency check,
 * quota check and API-call metering, vs the same route with nothing. Then POST /v1/usage/events.
 * Each server is its own process; autocannon runs here. Run: pnpm --filter @org/api bench
 */
import { fileURLToPath } from "node:url";
import { createFreshDatabase, redisAvailable, startChildServer, TEST_REDIS_URL } from "@org/testing";
import autocannon from "autocannon";

const KEY = "bench_key_0123456789abcdefghijklmnopqrstuv";
const SERVER = fileURLToPath(new URL("./server.ts", import.meta.url));
const DURATION = Number(process.env.BENCH_SECONDS ?? 5);

const start = (mode: string, env: Record<string, string> = {}) => startChildServer(SERVER, [mode], env);

async function load(port: number, init: Partial<autocannon.Options> = {}) {
  const r = await autocannon({
    url: `http://127.0.0.1:${port}/v1/tenant`,
    connections: 50,
    duration: DURATION,
    headers: { authorization: `Bearer ${KEY}` },
    ...init,
  });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx };
}

const fresh = await createFreshDatabase();
const useRedis = await redisAvailable();
const env = {
  DATABASE_URL: fresh.url,
  INITIAL_API_KEY: KEY,
  RATE_LIMIT_PER_SECOND: "10000000",
  ...(useRedis ? { REDIS_URL: TEST_REDIS_URL } : {}),
};
const bare = await start("bare");
const same = await start("bare-same");
const api = await start("api", env);
try {
  await load(bare.port, { duration: 1 });
  await load(api.port, { duration: 1 });
  await load(same.port, { duration: 1 });
  const b = await load(bare.port);
  const s = await load(same.port);
  const a = await load(api.port);
  const line = (name: string, r: typeof a) =>
    `${name.padEnd(52)} ${Math.round(r.rps).toString().padStart(7)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  non-2xx ${r.non2xx}`;
  console.log(line("bare Hono GET /v1/tenant", b));
  console.log(line("bare Hono, the api's exact response bytes", s));
  console.log(line(`api GET /v1/tenant (${useRedis ? "Redis" : "memory"} stores, Postgres)`, a));
  console.log(
    `ratio api/bare: ${(a.rps / b.rps).toFixed(2)}x req/s (target >= 0.6x), p99 ${(a.p99 / Math.max(b.p99, 1)).toFixed(2)}x (target <= 2x)`,
  );
  console.log(
    `ratio api/bare with the same response bytes: ${(a.rps / s.rps).toFixed(2)}x req/s, p99 ${(a.p99 / Math.max(s.p99, 1)).toFixed(2)}x ` +
      "(the load generator shares the 2 cores: bigger answers cost it more)",
  );

  let n = 0;
  const events = await autocannon({
    url: `http://127.0.0.1:${api.port}/v1/usage/events`,
    connections: 16,
    duration: DURATION,
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    requests: [
      {
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({
            events: Array.from({ length: 100 }, () => ({
              id: `b${process.pid}_${n++}`,
              meter: "tokens",
              quantity: 10,
            })),
          }),
        }),
      },
    ],
  });
  console.log(
    `POST /v1/usage/events (batches of 100): ${Math.round(events.requests.average * 100)} events/s, p99 ${events.latency.p99} ms, non-2xx ${events.non2xx}`,
  );
} finally {
  bare.child.kill("SIGTERM");
  same.child.kill("SIGTERM");
  api.child.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 500));
  await fresh.drop();
}
