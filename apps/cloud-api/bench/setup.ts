/**
 * What the cloud-api benchmarks share: a Stripe stand-in, a fresh database, the default catalogue with
 * the free plan's limits out of reach (every request does the full work, none is refused), the
 * servers' environment, the load of `GET /v1/tenant` on a tenant's subdomain, and its signup.
 */
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { httpLoad } from "@org/bench";
import { type CatalogData, DEFAULT_PLANS } from "@org/billing";
import { createStripeFake } from "@org/stripe-fake";
import { createFreshDatabase, TEST_REDIS_URL } from "@org/testing";

export const BASE = "example.test";

/** The default catalogue, with the free plan's rate limit and hard quota out of reach. */
function benchPlansFile(): string {
  const catalogue = structuredClone(DEFAULT_PLANS) as CatalogData;
  const free = catalogue.plans.find((p) => p.id === "free")!;
  free.rateLimit = { perSecond: 10_000_000, burst: 20_000_000 };
  free.meters.api_calls = { included: 1_000_000_000_000, limit: "hard" };
  const file = join(tmpdir(), `bench-plans-${randomUUID()}.json`);
  writeFileSync(file, JSON.stringify(catalogue));
  return file;
}

/** Starts the Stripe stand-in and a fresh database; `env` is what a cloud-api server needs. */
export async function benchEnvironment() {
  const secret = `whsec_${randomUUID().replaceAll("-", "")}`;
  const fake = createStripeFake({ webhookSecret: secret });
  await fake.start(0);
  const fresh = await createFreshDatabase();
  const env = {
    DATABASE_URL: fresh.url,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: `bench-${randomUUID()}`,
    BASE_DOMAIN: BASE,
    STRIPE_SECRET_KEY: "sk_test_bench",
    STRIPE_WEBHOOK_SECRET: secret,
    STRIPE_API_BASE: fake.url,
    PLANS_FILE: benchPlansFile(),
    LOG_LEVEL: "silent",
  };
  return {
    env,
    close: async () => {
      await fake.stop();
      await fresh.drop();
    },
  };
}

/** Signs up the tenant `acme` through a running cloud-api; returns its API key's secret. */
export async function signUp(port: number): Promise<string> {
  const signup = await fetch(`http://127.0.0.1:${port}/v1/tenants`, {
    method: "POST",
    headers: { host: BASE, "content-type": "application/json", "idempotency-key": randomUUID() },
    body: JSON.stringify({ name: "Acme", slug: "acme", email: "owner@acme.test", plan: "free" }),
  });
  if (signup.status !== 201) throw new Error(`signup: ${signup.status} ${await signup.text()}`);
  const { apiKey } = (await signup.json()) as { apiKey: { secret: string } };
  return apiKey.secret;
}

/** `GET /v1/tenant` on acme's subdomain with its key, 50 connections, the server's CPU measured. */
export function loadTenant(
  server: { port: number; child: { pid?: number } },
  secret: string,
  durationS: number,
) {
  return httpLoad({
    url: `http://127.0.0.1:${server.port}/v1/tenant`,
    serverPid: server.child.pid,
    connections: 50,
    durationS,
    headers: { host: `acme.${BASE}`, authorization: `Bearer ${secret}` },
  });
}
