/**
 * cloud-api's request path against a bare Hono route, over real HTTP, in one run: a tenant signs up
 * (Stripe stand-in), then `GET /v1/tenant` on its subdomain with its API key: subdomain + key
 * resolution (cache), Redis rate limit, idempotency check, quota check and API-call metering.
 * The tenant's plan is the default catalogue's free plan with limits raised so nothing is refused:
 * every request does the full work. Each server is its own process; the load comes from wrk
 * (autocannon where wrk is not installed; see @org/bench), in interleaved rounds.
 * Run: pnpm --filter @org/cloud-api bench   (BENCH_SECONDS=5, BENCH_ROUNDS=5)
 */
import { randomUUID } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultLoadTool, httpLoad, interleave, loadSetup, pinToCpus } from "@org/bench";
import { createStripeFake } from "@org/stripe-fake";
import { createFreshDatabase, startChildServer, TEST_REDIS_URL } from "@org/testing";

const SERVER = fileURLToPath(new URL("./server.ts", import.meta.url));
const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const BASE = "example.test";

const start = async (mode: string, env: Record<string, string> = {}) => {
  const server = await startChildServer(SERVER, [mode], env);
  pinToCpus(server.child.pid!, "server");
  return server;
};
pinToCpus(process.pid, "load"); // this process, the Stripe stand-in and the wrk it starts

/** The default catalogue, with the free plan's rate limit and hard quota out of reach. */
function benchPlansFile(): string {
  const require = createRequire(import.meta.url);
  const catalogue = JSON.parse(readFileSync(require.resolve("@org/billing/default-plans.json"), "utf8"));
  const free = catalogue.plans.find((p: { id: string }) => p.id === "free");
  free.rateLimit = { perSecond: 10_000_000, burst: 20_000_000 };
  free.meters.api_calls = { included: 1_000_000_000_000, limit: "hard" };
  const file = join(tmpdir(), `bench-plans-${randomUUID()}.json`);
  writeFileSync(file, JSON.stringify(catalogue));
  return file;
}

const secret = `whsec_${randomUUID().replaceAll("-", "")}`;
const fake = createStripeFake({ webhookSecret: secret });
await fake.start(0);
const fresh = await createFreshDatabase();
const bare = await start("bare");
const cloud = await start("cloud", {
  DATABASE_URL: fresh.url,
  REDIS_URL: TEST_REDIS_URL,
  REDIS_KEY_PREFIX: `bench-${randomUUID()}`,
  BASE_DOMAIN: BASE,
  STRIPE_SECRET_KEY: "sk_test_bench",
  STRIPE_WEBHOOK_SECRET: secret,
  STRIPE_API_BASE: fake.url,
  PLANS_FILE: benchPlansFile(),
  LOG_LEVEL: "silent",
});
try {
  const signup = await fetch(`http://127.0.0.1:${cloud.port}/v1/tenants`, {
    method: "POST",
    headers: { host: BASE, "content-type": "application/json", "idempotency-key": randomUUID() },
    body: JSON.stringify({ name: "Acme", slug: "acme", email: "owner@acme.test", plan: "free" }),
  });
  if (signup.status !== 201) throw new Error(`signup: ${signup.status} ${await signup.text()}`);
  const { apiKey } = (await signup.json()) as { apiKey: { secret: string } };
  const load = (server: { port: number; child: { pid?: number } }, durationS = DURATION) =>
    httpLoad({
      url: `http://127.0.0.1:${server.port}/v1/tenant`,
      serverPid: server.child.pid,
      connections: 50,
      durationS,
      headers: { host: `acme.${BASE}`, authorization: `Bearer ${apiKey.secret}` },
    });
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
  await fake.stop();
  await fresh.drop();
}
