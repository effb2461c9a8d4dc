/**
 * Benchmarks: (1) tenant resolution on a cache hit, in process; (2) invalidation latency between
 * two processes through Redis pub/sub. Short runs (a few seconds) on purpose: the machine is shared.
 *
 *   pnpm --filter @org/multitenancy bench
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { newId, tenants } from "@org/db";
import { createTestDb, createTestRedis } from "@org/testing";
import { Hono } from "hono";
import { type TenantEnv, tenant } from "../src/hono/index.js";
import {
  createApiKeyService,
  createLocalBus,
  createRedisBus,
  createTenantCache,
  createTenantLoader,
} from "../src/index.js";

const fmt = (ns: number) => (ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);

async function timeAsync(label: string, n: number, fn: () => unknown): Promise<number> {
  for (let i = 0; i < Math.min(n, 10_000); i++) await fn(); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn();
  const ns = Number(process.hrtime.bigint() - start) / n;
  console.log(`  ${label.padEnd(52)} ${fmt(ns).padStart(10)} per op  (${n} ops)`);
  return ns;
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

async function resolution() {
  const t = await createTestDb();
  try {
    const id = newId("tenant");
    await t.db
      .insert(tenants)
      .values({ id, slug: "bench", name: "b", email: "b@x.test", plan: "free", status: "active" });
    const bus = createLocalBus();
    const cache = createTenantCache({ loader: createTenantLoader(t.db), bus });
    const apiKeys = createApiKeyService({ db: t.db, bus });
    const { secret } = await apiKeys.create(id, { name: "bench" }, "bench");

    console.log("\nTenant resolution on a cache hit (in process; target < 5 µs per lookup)");
    const bySlug = await timeAsync("cache.bySlug (Host resolution)", 1_000_000, () => cache.bySlug("bench"));
    await timeAsync("cache.byId", 1_000_000, () => cache.byId(id));
    const full = await timeAsync("apiKeys.verify + cache.byId (API key resolution)", 300_000, async () => {
      const p = await apiKeys.verify(secret);
      return cache.byId(p!.tenantId);
    });
    const m = cache.metrics();
    console.log(
      `  cache metrics: lookups=${m.lookups} hitRate=${(m.hitRate * 100).toFixed(4)}% loads=${m.loads}`,
    );

    const bare = new Hono();
    bare.get("/v1/x", (c) => c.text("ok"));
    const guarded = new Hono<TenantEnv>();
    guarded.use("/v1/*", tenant({ db: t.db, cache, apiKeys, baseDomain: "example.test" }));
    guarded.get("/v1/x", (c) => c.text(c.var.tenant.slug));
    const init = { headers: { Authorization: `Bearer ${secret}` } };
    const url = "http://bench.example.test/v1/x";
    console.log(
      "\nWhole Hono request (app.request), bare route vs behind tenant() (Host + API key, both cached)",
    );
    const b = await timeAsync("bare route", 100_000, () => bare.request(url, init));
    const g = await timeAsync("route behind tenant()", 100_000, () => guarded.request(url, init));
    console.log(`  resolution adds ${fmt(g - b)} per request; ratio guarded/bare = ${(g / b).toFixed(2)}x`);
    return { bySlug, full };
  } finally {
    await t.cleanup();
  }
}

async function invalidation() {
  const r = createTestRedis();
  const channel = `${r.prefix}{invalidate}`;
  const child = fork(fileURLToPath(new URL("./invalidation-child.ts", import.meta.url)), [], {
    env: { ...process.env, REDIS_URL: r.url, CHANNEL: channel },
    execArgv: ["--import", "tsx"],
  });
  const latencies = new Promise<number[]>((resolve) =>
    child.on("message", (m: { latenciesMs?: number[] }) => m.latenciesMs && resolve(m.latenciesMs)),
  );
  await new Promise<void>((resolve) => child.on("message", (m: { ready?: boolean }) => m.ready && resolve()));
  const redis = r.connect();
  const bus = await createRedisBus({ redis, channel });
  const N = 1000;
  for (let i = 0; i < N; i++) {
    await bus.publish({ tenantId: `ten_${i}`, sentAt: performance.timeOrigin + performance.now() } as never);
    await new Promise((res) => setTimeout(res, 2));
  }
  await bus.publish({ done: true } as never);
  const sorted = (await latencies).sort((a, b) => a - b);
  console.log(
    "\nInvalidation across two processes (publish on one, handler runs on the other; Redis pub/sub)",
  );
  console.log(
    `  ${sorted.length}/${N} delivered  p50 ${quantile(sorted, 0.5).toFixed(3)} ms  p99 ${quantile(sorted, 0.99).toFixed(3)} ms  max ${sorted.at(-1)?.toFixed(3)} ms`,
  );
  await bus.close();
  await r.cleanup();
}

const { bySlug, full } = await resolution();
await invalidation();
console.log(
  `\nTarget < 5 µs per cached lookup: Host ${fmt(bySlug)}, API key ${fmt(full)} -> ${bySlug < 5000 && full < 5000 ? "met" : "NOT met"}`,
);
process.exit(0);
