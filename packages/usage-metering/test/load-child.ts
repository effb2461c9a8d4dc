/**
 * A metering process for the cross-process tests. Reads its job (JSON) from stdin, prints one JSON
 * line per fact the parent needs, and never prints anything it has not made true first.
 *
 * - `load`: `callers` concurrent loops calling increment() until `durationMs` is up, while ingesting
 *   `events` in batches; then drains and prints {done, sent, accepted, duplicates}.
 * - `kill`: increments continuously and ingests batches, printing {ingested} after each ingest resolved,
 *   {flushed} (the durable total) after each flush and {sent} often, until it is killed; on SIGTERM it
 *   drains and prints {drained, sent}.
 */
import { closeDb, createDb } from "@org/db";
import { meteringPlanSchema } from "@org/plans";
import { createUsageMetering } from "../src/index.js";
import type { ChildJob as Job } from "./children.js";

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const job = JSON.parse(Buffer.concat(chunks).toString()) as Job;
const print = (fact: object) => process.stdout.write(`${JSON.stringify(fact)}\n`);
const db = createDb({ driver: "postgres", url: job.url, maxConnections: 4 });
let sent = 0;
let flushed = 0;
// No quotas: the load is never refused.
const plan = meteringPlanSchema.parse({ id: "pro" });
const metering = createUsageMetering({
  db,
  planFor: () => plan,
  flushIntervalMs: job.flushIntervalMs,
  onFlush: ({ units }) => {
    flushed += units;
    if (job.mode === "kill") print({ flushed });
  },
});
const tick = () => new Promise<void>((r) => setImmediate(r));
// Each caller yields to a 1 ms timer between calls: concurrent with the flushes, without hogging a
// core that other test suites share (the in-process speed is measured in bench/, not here).
const pause = () => new Promise<void>((r) => setTimeout(r, 1));

// Set on SIGTERM: the callers stop, as a server stops taking requests before it drains metering.
let stopping = false;

async function caller(until: number) {
  while (Date.now() < until && !stopping) {
    metering.increment(job.tenantId, "api_calls", 1);
    sent++;
    await pause();
  }
}

async function ingestAll() {
  let accepted = 0;
  let duplicates = 0;
  for (let i = 0; i < job.events.length; i += job.batchSize) {
    const batch = job.events.slice(i, i + job.batchSize);
    const r = await metering.ingest(job.tenantId, batch);
    accepted += r.accepted;
    duplicates += r.duplicates;
    if (job.mode === "kill") print({ ingested: batch.map((e) => e.id) });
    await tick();
  }
  return { accepted, duplicates };
}

if (job.mode === "load") {
  const until = Date.now() + job.durationMs;
  const [, counts] = await Promise.all([
    Promise.all(Array.from({ length: job.callers }, () => caller(until))),
    ingestAll(),
  ]);
  await metering.close();
  await closeDb(db);
  print({ done: true, sent, ...counts });
} else {
  setInterval(() => print({ sent }), 20);
  void ingestAll();
  const callers = Promise.all(Array.from({ length: job.callers }, () => caller(Number.POSITIVE_INFINITY)));
  process.once("SIGTERM", async () => {
    // close() drains until the buffer is empty: callers still counting would keep it from ever being
    // so (its documented precondition is that the server stopped taking requests first).
    stopping = true;
    await callers;
    await metering.close();
    print({ drained: true, sent, flushed });
    await closeDb(db);
    process.exit(0);
  });
  await callers;
}
