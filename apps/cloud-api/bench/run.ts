/**
 * cloud-api's request path against a bare Hono route, over real HTTP, in one run: a tenant signs up
 * (Stripe stand-in), then `GET /v1/tenant` on its subdomain with its API key: subdomain + key
 * resolution (cache), Redis rate limit, idempotency check, quota check and API-call metering.
 * The tenant's plan is the default catalogue's free plan with limits raised so nothing is refused:
 * every request does the full work. Each server is its own process; autocannon runs here.
 * Run: pnpm --filter @org/cloud-api bench   (BENCH_SECONDS=5)
 */
import { randomUUID } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createStripeFake } from "@org/stripe-fake";
import { createFreshDatabase, startChildServer, TEST_REDIS_URL } from "@org/testing";
import autocannon from "autocannon";

const SERVER = fileURLToPath(new URL("./server.ts", import.meta.url));
const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const BASE = "example.test";

const start = (mode: string, env: Record<string, string> = {}) => startChildServer(SERVER, [mode], env);

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
  const load = async (port: number, duration = DURATION) => {
    const r = await autocannon({
      url: `http://127.0.0.1:${port}/v1/tenant`,
      connections: 50,
      duration,
      headers: { host: `acme.${BASE}`, authorization: `Bearer ${apiKey.secret}` },
    });
    return { rps: r.requests.average, p99: r.latency.p99, non2xx: r.non2xx };
  };
  await load(bare.port, 1);
  await load(cloud.port, 1);
  const b = await load(bare.port);
  const c = await load(cloud.port);
  const line = (name: string, r: typeof c) =>
    `${name.padEnd(58)} ${Math.round(r.rps).toString().padStart(7)} req/s  p99 ${r.p99} ms  non-2xx ${r.non2xx}`;
  console.log(line("bare Hono GET /v1/tenant", b));
  console.log(line("cloud-api GET /v1/tenant (subdomain + API key, Redis, Postgres)", c));
  console.log(
    `ratio cloud-api/bare: ${(c.rps / b.rps).toFixed(2)}x req/s (target >= 0.6x), p99 ${(c.p99 / Math.max(b.p99, 1)).toFixed(2)}x (target <= 2x)`,
  );
} finally {
  bare.child.kill("SIGTERM");
  cloud.child.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 500));
  await fake.stop();
  await fresh.drop();
}
