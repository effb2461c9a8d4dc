/**
 * Kill a metering process between flushes (SIGKILL: no drain). Every event whose ingest() resolved
 * is stored with its buckets; the API-call counts lost are at most those since the last flush; a
 * SIGTERM instead drains everything.
 */
import { rows } from "@org/db";
import { createTestDb, type TestDb } from "@org/testing";
import { chaosScale } from "@org/vitest-config";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedTenant } from "./catalogue.js";
import { type Child, eventsWithDuplicates, spawnChild } from "./children.js";

const ROUNDS = chaosScale() === "full" ? 10 : 2;
let t: TestDb;

beforeAll(async () => {
  t = await createTestDb();
});
afterAll(() => t?.cleanup());

async function stored(tenantId: string) {
  const [r] = rows<{ api_calls: string; tokens: string; event_tokens: string; ids: string[] | null }>(
    await t.db.execute(sql`
      select
        (select coalesce(sum(value), 0) from usage_buckets where tenant_id = ${tenantId} and meter = 'api_calls')::text as api_calls,
        (select coalesce(sum(value), 0) from usage_buckets where tenant_id = ${tenantId} and meter = 'tokens')::text as tokens,
        (select coalesce(sum(quantity), 0) from usage_events where tenant_id = ${tenantId})::text as event_tokens,
        (select array_agg(id) from usage_events where tenant_id = ${tenantId}) as ids`),
  );
  return {
    apiCalls: Number(r!.api_calls),
    tokens: Number(r!.tokens),
    eventTokens: Number(r!.event_tokens),
    ids: new Set(r!.ids ?? []),
  };
}

function start(tenantId: string): Child {
  return spawnChild({
    mode: "kill",
    url: t.url!,
    tenantId,
    callers: 20,
    durationMs: 0,
    flushIntervalMs: 300,
    events: eventsWithDuplicates(20_000, 0.1, `k${tenantId}-`),
    batchSize: 200,
  });
}

const last = (child: Child, key: string) =>
  child.lines.filter((l) => key in l).reduce((_, l) => l[key] as number, 0);

describe("a killed process", () => {
  it(`loses no ingested event and at most the counts since its last flush (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const tenantId = await seedTenant(t.db);
      const child = start(tenantId);
      // let it flush twice, then kill it at a random moment between flushes
      let flushes = 0;
      await child.waitFor((l) => "ingested" in l); // a slow machine may flush twice before the first ingest
      await child.waitFor((l) => "flushed" in l && ++flushes >= 2);
      await new Promise((r) => setTimeout(r, Math.random() * 250));
      child.process.kill("SIGKILL");
      const { signal } = await child.exited;
      expect(signal).toBe("SIGKILL");

      const ingested = child.lines.flatMap((l) => (l.ingested as string[] | undefined) ?? []);
      const lastFlushed = last(child, "flushed");
      const lastSent = last(child, "sent");
      const db = await stored(tenantId);
      expect(ingested.length).toBeGreaterThan(0);
      for (const id of ingested) expect(db.ids.has(id)).toBe(true);
      // events and their buckets were written together: never one without the other
      expect(db.tokens).toBe(db.eventTokens);
      // The documented bound: a flush takes everything counted until it starts, so `flushed` is the
      // count at the start of the last completed flush, and stored >= flushed means the loss is at
      // most what was counted after that moment (a flush in flight at the kill may add more).
      expect(lastSent).toBeGreaterThan(0);
      expect(db.apiCalls).toBeGreaterThanOrEqual(lastFlushed);
      console.log(
        `kill round ${round}: flushed ${lastFlushed}, last sent line ${lastSent}, stored ${db.apiCalls}, ` +
          `lost at most ${Math.max(0, lastSent - db.apiCalls)} (those since the last flush), ${ingested.length} ingested events all stored`,
      );
    }
  }, 120_000);

  it("loses nothing when stopped with SIGTERM (drain)", async () => {
    const tenantId = await seedTenant(t.db);
    const child = start(tenantId);
    await child.waitFor((l) => "flushed" in l);
    child.process.kill("SIGTERM");
    const drained = await child.waitFor((l) => l.drained === true);
    await child.exited;
    expect((await stored(tenantId)).apiCalls).toBe(drained.sent);
  }, 60_000);
});
