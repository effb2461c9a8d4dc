/**
 * A metering process for the usage-alert kill test. argv[2] is its job (JSON): it ingests one event
 * for the tenant, which crosses thresholds.
 *
 * - `block`: in the claim's transaction, after the outbox insert, prints {claimed} and waits forever
 *   (the parent SIGKILLs it there: between the claim and the commit);
 * - `run`: ingests, closes and prints {done, errors}.
 */
import { closeDb, createDb } from "@org/db";
import { alertMetering, tokens } from "./usage-alerts.js";

interface Job {
  mode: "block" | "run";
  url: string;
  tenantId: string;
  eventId: string;
  quantity: number;
}

const job = JSON.parse(process.argv[2]!) as Job;
const print = (fact: object) => process.stdout.write(`${JSON.stringify(fact)}\n`);
const db = createDb({ driver: "postgres", url: job.url, maxConnections: 2 });
const errors: string[] = [];
const metering = alertMetering(db, {
  onError: (error) => void errors.push(String(error)),
  afterEnqueue:
    job.mode === "block"
      ? (alert) => {
          print({ claimed: alert.threshold });
          return new Promise(() => {}); // never settles: the transaction stays open until the kill
        }
      : undefined,
});
await metering.ingest(job.tenantId, [tokens(job.eventId, job.quantity)]);
await metering.close();
await closeDb(db);
print({ done: true, errors });
