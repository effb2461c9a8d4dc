/**
 * Counter flushing while Postgres is away: Postgres is reached through a TCP proxy that the test cuts
 * (the shared server keeps running for everyone else), then restores.
 */
import { performance } from "node:perf_hooks";
import { closeDb, createDb, rows } from "@org/db";
import { createTestDb, createTestRedis, startTcpProxy, type TcpProxy, type TestDb } from "@org/testing";
import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { QuarantinedBatch } from "../src/index.js";
import { createRedisCounterStore } from "../src/redis-counter-store.js";
import { calendarMonth, MINUTE_MS } from "../src/time.js";
import { meteringFor } from "./setup.js";

const NOW = Date.UTC(2026, 4, 10, 9, 30);
const FLUSH_INTERVAL_MS = 50;
const RETRY_MAX_MS = 3_200;

let t: TestDb;
let proxy: TcpProxy;
const redis = createTestRedis();
const cleanup: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  t = await createTestDb();
  if (!t.url) throw new Error("this test needs Postgres (a proxy in front of it)");
  proxy = await startTcpProxy(Number(new URL(t.url).port || 5432));
});
let down = false;
const cutPostgres = async () => {
  await proxy.cut();
  down = true;
};
/** Also after each test, so a failed test does not leave the next one without a database. */
const restorePostgres = async () => {
  if (!down) return;
  down = false;
  await proxy.restore();
};
afterEach(restorePostgres);
afterAll(async () => {
  for (const f of cleanup.reverse()) await f();
  await proxy?.close();
  await t?.cleanup();
  await redis.cleanup();
});

/** A metering whose database connection goes through the proxy. */
function meteringBehindProxy(options: { onQuarantine?: (b: QuarantinedBatch) => void } = {}) {
  const url = new URL(t.url!);
  url.hostname = "127.0.0.1";
  url.port = String(proxy.port);
  const db = createDb({ driver: "postgres", url: url.toString(), maxConnections: 2 });
  const counters = createRedisCounterStore(redis.connect(), { prefix: redis.prefix });
  const h = meteringFor(
    db,
    {
      counters,
      flushIntervalMs: FLUSH_INTERVAL_MS,
      flushRetryMaxMs: RETRY_MAX_MS,
      counterResetIntervalMs: 0,
      onQuarantine: options.onQuarantine,
    },
    NOW,
  );
  cleanup.push(async () => {
    await h.metering.close().catch(() => {});
    await closeDb(db);
  });
  return { ...h, counters };
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 60_000) {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The most write attempts an outage of `outageMs` can see: the first, then one per backoff wait
 * that fits, each wait being at least half of min(max, base * 2^(k-1)) (equal jitter).
 */
function mostAttempts(outageMs: number): number {
  let attempts = 1;
  let elapsed = 0;
  for (let k = 1; ; k++) {
    elapsed += Math.min(RETRY_MAX_MS, FLUSH_INTERVAL_MS * 2 ** (k - 1)) / 2;
    if (elapsed > outageMs) return attempts;
    attempts++;
  }
}

describe("counter flushing through a Postgres outage", () => {
  it("backs off while Postgres is down with >10k buffered cells, then lands exact totals in Postgres and Redis", async () => {
    const { metering, clock, counters } = meteringBehindProxy();
    const tenants = Array.from({ length: 3_000 }, (_, i) => `ten_out_${String(i).padStart(4, "0")}`);
    const expected = new Map<string, number>();
    const count = (tenant: string, meter: "api_calls" | "tokens", n: number) => {
      metering.increment(tenant, meter, n);
      const key = `${tenant}/${meter}`;
      expected.set(key, (expected.get(key) ?? 0) + n);
    };
    // Connected and flushing before the cut.
    count("ten_out_warm", "api_calls", 1);
    await metering.flush();

    await cutPostgres();
    const cutAt = performance.now();
    const attemptsBefore = metering.stats().flushAttempts;
    // 3,000 tenants x 2 meters x 2 minutes = 12,000 cells, past maxBufferedCells (10,000).
    for (const minute of [0, 1]) {
      clock.now = NOW + minute * MINUTE_MS;
      for (const [i, tenant] of tenants.entries()) {
        count(tenant, "api_calls", 1 + (i % 3));
        count(tenant, "tokens", 1_000 + i);
      }
    }
    // Long enough for several backoff rounds; then more counting while still down.
    await waitFor("8 failed attempts in a row", () => metering.stats().consecutiveFailures >= 8);
    clock.now = NOW + 2 * MINUTE_MS;
    for (const tenant of tenants.slice(0, 500)) count(tenant, "api_calls", 5);
    const during = metering.stats();
    const outageMs = performance.now() - cutAt;
    const attempts = during.flushAttempts - attemptsBefore;

    expect(during.bufferedCells).toBe(12_500);
    const units = [...expected.values()].reduce((a, b) => a + b, 0) - 1;
    expect(during.bufferedUnits).toBe(units);
    expect(during.oldestUnflushedAgeMs).toBe(2 * MINUTE_MS);
    // No busy loop: a handful of attempts, bounded by the backoff whatever the machine's load.
    expect(attempts).toBeGreaterThanOrEqual(8);
    expect(attempts).toBeLessThanOrEqual(mostAttempts(outageMs));

    await restorePostgres();
    await waitFor("the buffer to drain", () => metering.stats().bufferedCells === 0);
    const after = metering.stats();
    expect(after.oldestUnflushedAgeMs).toBe(0);
    expect(after.quarantinedBatches).toBe(0);

    const totals = rows<{ tenant_id: string; meter: string; total: string; cells: string }>(
      await t.db.execute(sql`
        select tenant_id, meter, sum(value)::text as total, count(*)::text as cells
        from usage_buckets where tenant_id like 'ten_out_%' group by tenant_id, meter`),
    );
    const inPostgres = new Map(totals.map((r) => [`${r.tenant_id}/${r.meter}`, Number(r.total)]));
    expect(inPostgres).toEqual(expected);
    expect(totals.reduce((n, r) => n + Number(r.cells), 0)).toBe(12_501);

    const period = calendarMonth(NOW);
    const inRedis = async () => {
      const out = new Map<string, number>();
      for (const tenant of ["ten_out_warm", ...tenants]) {
        for (const [meter, n] of Object.entries(await counters.get(tenant, period.start)))
          out.set(`${tenant}/${meter}`, n);
      }
      return out;
    };
    await waitFor("Redis to hold the flushed totals", async () => (await inRedis()).size === expected.size);
    expect(await inRedis()).toEqual(expected);
    console.info(
      `postgres outage: ${during.bufferedCells} cells, ${during.bufferedUnits} units buffered, ${Math.round(outageMs)} ms down, ${attempts} flush attempts (bound ${mostAttempts(outageMs)}), ${totals.length} tenant-meter totals exact in Postgres and Redis`,
    );
  });

  it("quarantines rows Postgres rejects without blocking the rest or later batches, and keeps them visible", async () => {
    const seen: QuarantinedBatch[] = [];
    const { metering } = meteringBehindProxy({ onQuarantine: (b) => seen.push(b) });
    const tenants = Array.from({ length: 40 }, (_, i) => `ten_q_${i}`);
    for (const tenant of tenants) metering.increment(tenant, "api_calls", 2);
    // A NUL byte in a text value: Postgres refuses it (22021) however often it is sent.
    metering.increment("ten_q_\u0000bad", "api_calls", 7);
    await metering.flush();
    for (const tenant of tenants) metering.increment(tenant, "api_calls", 3);
    await metering.flush();

    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ reason: "rows_rejected", rows: [{ tenantId: "ten_q_\u0000bad", n: 7 }] });
    expect(metering.quarantined()).toEqual(seen);
    expect(metering.stats()).toMatchObject({ bufferedCells: 0, quarantinedBatches: 1, quarantinedUnits: 7 });
    const [sum] = rows<{ total: string }>(
      await t.db.execute(
        sql`select sum(value)::text as total from usage_buckets where tenant_id like 'ten_q_%'`,
      ),
    );
    expect(Number(sum!.total)).toBe(40 * 5);
  });
});
