/**
 * A usage alert's claim (`usage_alerts_fired`) and its outbox row (`notifications`) are written in one
 * transaction: a failed enqueue or a killed process leaves neither, and a crossing never yields two.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { closeDb, createDb, rows } from "@org/db";
import { createTestDb, type TestDb } from "@org/testing";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertMetering, PERCENTAGES, seedAlertingTenant, tokens } from "../test/usage-alerts.js";

const CHILD = fileURLToPath(new URL("../test/alert-child.ts", import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
  // A fault switch for the outbox: while a tenant has a row in outbox_faults, its inserts into
  // notifications fail inside Postgres, as an unavailable outbox would.
  await t.db.execute(sql`create table outbox_faults (tenant_id text primary key)`);
  await t.db.execute(sql`
    create function outbox_fault() returns trigger language plpgsql as $$
    begin
      if exists (select 1 from outbox_faults where tenant_id = new.tenant_id) then
        raise exception 'outbox unavailable';
      end if;
      return new;
    end $$`);
  await t.db.execute(
    sql`create trigger outbox_fault before insert on notifications for each row execute function outbox_fault()`,
  );
});
afterAll(async () => {
  await t?.cleanup();
});

interface AlertState {
  /** Thresholds claimed in usage_alerts_fired, sorted. */
  claimed: string[];
  /** Thresholds of the tenant's usage.threshold_reached outbox rows, sorted (a duplicate shows twice). */
  notified: string[];
  /** Claims without their outbox row. */
  orphans: number;
}

async function alertState(tenantId: string): Promise<AlertState> {
  const claims = rows<{ threshold: string; notified: boolean }>(
    await t.db.execute(sql`
      select f.threshold, exists (
        select 1 from notifications n
        where n.tenant_id = f.tenant_id and n.kind = 'usage.threshold_reached'
          and n.dedupe_key = 'usage:' || f.meter || ':' || f.threshold || ':'
            || to_char(f.period_start at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
      ) as notified
      from usage_alerts_fired f where f.tenant_id = ${tenantId}`),
  );
  const outbox = rows<{ threshold: string }>(
    await t.db.execute(sql`
      select payload->>'threshold' as threshold from notifications
      where tenant_id = ${tenantId} and kind = 'usage.threshold_reached'`),
  );
  return {
    claimed: claims.map((c) => c.threshold).sort(),
    notified: outbox.map((n) => n.threshold).sort(),
    orphans: claims.filter((c) => !c.notified).length,
  };
}

const pct = (...p: number[]) => p.map((x) => `pct:${x}`).sort();

interface ChildRun {
  lines: Record<string, unknown>[];
  /** Resolves with the first line that has `key`. */
  line(key: string): Promise<Record<string, unknown>>;
  kill(): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

function spawnAlertChild(job: {
  mode: "block" | "run";
  tenantId: string;
  eventId: string;
  quantity: number;
}) {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, JSON.stringify({ ...job, url: t.url })], {
    cwd: PACKAGE_DIR,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  let buffered = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
      lines.push(JSON.parse(buffered.slice(0, nl)) as Record<string, unknown>);
      buffered = buffered.slice(nl + 1);
      for (const wake of waiters.splice(0)) wake();
    }
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve) => child.once("exit", (code, signal) => resolve({ code, signal, stderr })),
  );
  const run: ChildRun = {
    lines,
    exited,
    kill: () => void child.kill("SIGKILL"),
    async line(key) {
      for (;;) {
        const found = lines.find((l) => key in l);
        if (found) return found;
        const woken = new Promise<void>((resolve) => waiters.push(resolve));
        const gone = exited.then(({ code, signal, stderr: err }) => {
          throw new Error(`child exited (${code ?? signal}) before printing "${key}": ${err}`);
        });
        await Promise.race([woken, gone]);
      }
    },
  };
  return run;
}

/** Backends of this test's database holding a transaction open while waiting for their client. */
async function idleInTransaction(): Promise<number> {
  const [r] = rows<{ n: number }>(
    await t.db.execute(sql`
      select count(*)::int as n from pg_stat_activity
      where datname = current_database() and state = 'idle in transaction'`),
  );
  return r!.n;
}

describe("usage alerts into the outbox, in the claim's transaction", () => {
  it("a failed enqueue rolls the claim back; a later check claims and enqueues exactly once", async () => {
    const tenantId = await seedAlertingTenant(t.db);
    const errors: unknown[] = [];
    const metering = alertMetering(t.db, { onError: (e) => void errors.push(e) });
    try {
      await t.db.execute(sql`insert into outbox_faults values (${tenantId})`);
      await metering.ingest(tenantId, [tokens("a1", 600)]); // 60 %: crosses 25 and 50
      expect(errors).toHaveLength(1);
      expect(String((errors[0] as { cause?: unknown }).cause ?? errors[0])).toMatch(/outbox unavailable/);
      expect(await alertState(tenantId)).toEqual({ claimed: [], notified: [], orphans: 0 });

      await t.db.execute(sql`delete from outbox_faults where tenant_id = ${tenantId}`);
      await metering.ingest(tenantId, [tokens("a2", 1)]);
      expect(await alertState(tenantId)).toEqual({ claimed: pct(25, 50), notified: pct(25, 50), orphans: 0 });
      await metering.ingest(tenantId, [tokens("a3", 1)]);
      await metering.ingest(tenantId, [tokens("a4", 200)]); // 80 %: crosses 75
      expect(await alertState(tenantId)).toEqual({
        claimed: pct(25, 50, 75),
        notified: pct(25, 50, 75),
        orphans: 0,
      });
      expect(errors).toHaveLength(1);
    } finally {
      await metering.close();
    }
  });

  it("a process SIGKILLed between the claim and the commit leaves no claim without its outbox row; a rerun notifies exactly once", async () => {
    const tenantId = await seedAlertingTenant(t.db);
    const blocked = spawnAlertChild({ mode: "block", tenantId, eventId: "k1", quantity: 600 });
    const { claimed } = await blocked.line("claimed");
    expect(claimed).toMatch(/^pct:(25|50)$/);
    // The child sits inside its transaction: the claim and the outbox row are written, not committed.
    expect(await idleInTransaction()).toBeGreaterThanOrEqual(1);
    expect(await alertState(tenantId)).toEqual({ claimed: [], notified: [], orphans: 0 });
    blocked.kill();
    expect((await blocked.exited).signal).toBe("SIGKILL");

    // The event was stored before the check (its own transaction); the crossing was not.
    const [stored] = rows<{ n: number }>(
      await t.db.execute(sql`select count(*)::int as n from usage_events where tenant_id = ${tenantId}`),
    );
    expect(stored!.n).toBe(1);
    expect(await alertState(tenantId)).toEqual({ claimed: [], notified: [], orphans: 0 });

    // The next check (here the next ingest, in a fresh process) fires what the killed one did not.
    const rerun = spawnAlertChild({ mode: "run", tenantId, eventId: "k2", quantity: 1 });
    expect(await rerun.line("done")).toEqual({ done: true, errors: [] });
    expect((await rerun.exited).code).toBe(0);
    expect(await alertState(tenantId)).toEqual({ claimed: pct(25, 50), notified: pct(25, 50), orphans: 0 });

    const again = spawnAlertChild({ mode: "run", tenantId, eventId: "k3", quantity: 1 });
    expect(await again.line("done")).toEqual({ done: true, errors: [] });
    expect(await alertState(tenantId)).toEqual({ claimed: pct(25, 50), notified: pct(25, 50), orphans: 0 });
  }, 60_000);

  it("6 instances checking in parallel write exactly one outbox row per crossing", async () => {
    const INSTANCES = 6;
    const ROUNDS = 5;
    const pools = Array.from({ length: INSTANCES }, () =>
      createDb({ driver: "postgres", url: t.url!, maxConnections: 3 }),
    );
    const calls: string[] = [];
    const errors: unknown[] = [];
    const meterings = pools.map((db) =>
      alertMetering(db, {
        onError: (e) => void errors.push(e),
        // Hold the claim a moment, so the other instances' claims of the same thresholds queue on it.
        afterEnqueue: async (alert) => {
          calls.push(`${alert.tenantId}/${alert.threshold}`);
          await new Promise((r) => setTimeout(r, 5));
        },
      }),
    );
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const tenantId = await seedAlertingTenant(t.db);
        // Every instance ingests 4 batches at once; each batch of 60 tokens, 24 batches: 1,440 tokens,
        // past every threshold, crossed by whichever batches land first.
        await Promise.all(
          meterings.flatMap((m, i) =>
            Array.from({ length: 4 }, (_, b) =>
              m.ingest(tenantId, [tokens(`c${i}-${b}-a`, 30), tokens(`c${i}-${b}-b`, 30)]),
            ),
          ),
        );
        const all = pct(...PERCENTAGES);
        expect(await alertState(tenantId)).toEqual({ claimed: all, notified: all, orphans: 0 });
        expect(calls.filter((c) => c.startsWith(`${tenantId}/`)).sort()).toEqual(
          all.map((p) => `${tenantId}/${p}`),
        );
      }
      expect(errors).toEqual([]);
    } finally {
      await Promise.all(meterings.map((m) => m.close()));
      await Promise.all(pools.map((db) => closeDb(db)));
    }
  }, 60_000);
});
