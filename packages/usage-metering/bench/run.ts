/**
 * One run, figures printed:
 * 1. events/s through ingest() in batches of 500 vs a raw multi-row INSERT .. ON CONFLICT DO NOTHING
 *    of the same rows with postgres-js (ours also writes the buckets in the same statement);
 * 2. increment() calls/s in process (one tenant, and 1,000 tenants round robin);
 * 3. check() calls/s answered from the cache.
 *
 * Usage: pnpm bench (needs the Postgres of TEST_DATABASE_URL).
 */
import { closeDb, createDb, migrate, newId, tenants } from "@org/db";
import { meteringPlanSchema } from "@org/plans";
import { createFreshDatabase } from "@org/testing";
import postgres from "postgres";
import { createUsageMetering, type UsageEventInput } from "../src/index.js";

const EVENTS = 50_000;
const BATCH = 500;
const ROUNDS = 3;

const fresh = await createFreshDatabase();
const db = createDb({ driver: "postgres", url: fresh.url, maxConnections: 4 });
const raw = postgres(fresh.url, { max: 4, onnotice: () => {} });
await migrate(db);
// No quotas: check() is measured on its cache, never refused.
const plan = meteringPlanSchema.parse({ id: "pro" });
const metering = createUsageMetering({ db, planFor: () => plan });

async function tenant(): Promise<string> {
  const id = newId("tenant");
  await db
    .insert(tenants)
    .values({ id, slug: id.toLowerCase(), name: id, email: `${id}@b.test`, plan: "pro" });
  return id;
}

const now = Date.now();
const events: UsageEventInput[] = Array.from({ length: EVENTS }, (_, i) => ({
  id: `evt_${i.toString(36).padStart(8, "0")}`,
  meter: "tokens",
  quantity: (i % 100) + 1,
  timestamp: new Date(now - (i % 3_600) * 1_000).toISOString(),
  properties: { model: i % 2 ? "small" : "large" },
}));

async function ours(tenantId: string): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < EVENTS; i += BATCH) await metering.ingest(tenantId, events.slice(i, i + BATCH));
  return EVENTS / ((performance.now() - started) / 1_000);
}

async function peer(tenantId: string): Promise<number> {
  const rows = events.map((e) => ({
    tenant_id: tenantId,
    id: e.id,
    meter: e.meter,
    quantity: e.quantity!,
    timestamp: e.timestamp as string,
    properties: e.properties as Record<string, string>,
  }));
  const started = performance.now();
  for (let i = 0; i < EVENTS; i += BATCH) {
    const batch = rows.slice(i, i + BATCH);
    await raw`insert into usage_events ${raw(batch, "tenant_id", "id", "meter", "quantity", "timestamp", "properties")}
      on conflict do nothing`;
  }
  return EVENTS / ((performance.now() - started) / 1_000);
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// Warm both paths (connections, plans) on throwaway tenants, then alternate so neither gets a warmer database.
await ours(await tenant());
await peer(await tenant());
const oursRates: number[] = [];
const peerRates: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  oursRates.push(await ours(await tenant()));
  peerRates.push(await peer(await tenant()));
}
const o = median(oursRates);
const p = median(peerRates);
console.log(`ingest, ${EVENTS} events in batches of ${BATCH}, median of ${ROUNDS} rounds:`);
console.log(
  `  ingest() (events + buckets, one statement)   ${fmt(o)} events/s   [${oursRates.map(fmt).join(", ")}]`,
);
console.log(
  `  raw postgres-js INSERT .. ON CONFLICT DO NOTHING ${fmt(p)} events/s   [${peerRates.map(fmt).join(", ")}]`,
);
console.log(`  ratio ours/raw: ${(o / p).toFixed(2)}x (target >= 0.5x)`);

function incrementRate(tenantIds: string[], calls: number): number {
  const n = tenantIds.length;
  const started = performance.now();
  for (let i = 0; i < calls; i++) metering.increment(tenantIds[i % n]!, "api_calls", 1);
  return calls / ((performance.now() - started) / 1_000);
}
const one = [await tenant()];
const many = Array.from({ length: 1_000 }, (_, i) => `ten_bench_${i}`);
incrementRate(one, 1_000_000); // warm up the JIT
const rateOne = median([
  incrementRate(one, 5_000_000),
  incrementRate(one, 5_000_000),
  incrementRate(one, 5_000_000),
]);
const rateMany = median([
  incrementRate(many, 5_000_000),
  incrementRate(many, 5_000_000),
  incrementRate(many, 5_000_000),
]);
console.log("increment() in process (no I/O on the call), median of 3 x 5M calls:");
console.log(`  1 tenant:     ${fmt(rateOne)} calls/s (target >= 1,000,000)`);
console.log(`  1,000 tenants: ${fmt(rateMany)} calls/s`);

const checks = 500_000;
await metering.check(one[0]!, "api_calls"); // load the tenant's cache entry
const checkStarted = performance.now();
for (let i = 0; i < checks; i++) await metering.check(one[0]!, "api_calls");
console.log(
  `check() on a cached tenant: ${fmt(checks / ((performance.now() - checkStarted) / 1_000))} checks/s`,
);

await metering.close();
await raw.end();
await closeDb(db);
await fresh.drop();
