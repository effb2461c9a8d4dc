/**
 * The lost-update test: 3 processes x 100 concurrent callers of increment() for a while
 * (2 s in the normal suite, 10 s under `pnpm test:chaos`), plus 10,000 events with 20% duplicate ids
 * ingested across the same processes at the same time. Stored totals must equal exactly what was sent.
 */

import { rows } from "@org/db";
import { createTestDb, type TestDb } from "@org/testing";
import { chaosScale } from "@org/vitest-config";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedTenant } from "./catalogue.js";
import { eventsWithDuplicates, spawnChild } from "./children.js";

const DURATION_MS = chaosScale() === "full" ? 10_000 : 2_000;
const PROCESSES = 3;
let t: TestDb;

beforeAll(async () => {
  t = await createTestDb();
});
afterAll(() => t?.cleanup());

describe("no lost updates across processes", () => {
  it(
    `3 processes x 100 callers x ${DURATION_MS / 1000} s of increment + 10,000 events (20% duplicates): exact totals`,
    async () => {
      const tenantId = await seedTenant(t.db);
      const events = eventsWithDuplicates(10_000, 0.2);
      const share = Math.ceil(events.length / PROCESSES);
      const children = Array.from({ length: PROCESSES }, (_, p) =>
        spawnChild({
          mode: "load",
          url: t.url!,
          tenantId,
          callers: 100,
          durationMs: DURATION_MS,
          flushIntervalMs: 1_000,
          events: events.slice(p * share, (p + 1) * share),
          batchSize: 500,
        }),
      );
      const done = await Promise.all(children.map((c) => c.waitFor((l) => l.done === true)));
      const sent = done.reduce((s, d) => s + (d.sent as number), 0);
      const accepted = done.reduce((s, d) => s + (d.accepted as number), 0);
      const duplicates = done.reduce((s, d) => s + (d.duplicates as number), 0);

      const uniqueIds = new Map(events.map((e) => [e.id, e.quantity!]));
      const expectedTokens = [...uniqueIds.values()].reduce((s, q) => s + q, 0);
      const [stored] = rows<{ api_calls: string; tokens: string; events: string }>(
        await t.db.execute(sql`
          select
            (select coalesce(sum(value), 0) from usage_buckets where tenant_id = ${tenantId} and meter = 'api_calls')::text as api_calls,
            (select coalesce(sum(value), 0) from usage_buckets where tenant_id = ${tenantId} and meter = 'tokens')::text as tokens,
            (select count(*) from usage_events where tenant_id = ${tenantId})::text as events`),
      );
      expect(sent).toBeGreaterThan(PROCESSES * 100);
      expect(Number(stored!.api_calls)).toBe(sent);
      expect(accepted).toBe(8_000);
      expect(duplicates).toBe(2_000);
      expect(Number(stored!.events)).toBe(8_000);
      expect(Number(stored!.tokens)).toBe(expectedTokens);
      console.log(
        `lost-update: ${PROCESSES} processes sent ${sent} increments in ${DURATION_MS} ms; stored ${stored!.api_calls}`,
      );
    },
    DURATION_MS + 60_000,
  );
});
