/** @module The inbox worker: claims due events, runs the handler, settles each one. */
import { randomBytes } from "node:crypto";
import { type Database, listen } from "@org/db";
import type { BillingLogger } from "../context.js";
import { claimDue, type InboxRow, markFailed, markProcessed, renewClaims } from "./claims.js";
import { INBOX_CHANNEL } from "./intake-store.js";
import { nextRetry, type RetrySchedule } from "./retry-schedule.js";

/** What the worker does with one event; {@link billingHandler} in production. */
export type EventHandler = (
  row: InboxRow,
) => Promise<
  | { outcome: "synced" }
  | { outcome: "ignored"; reason: string }
  | { outcome: "unknown_customer"; customerId: string }
>;

/** The metrics the worker updates (prom-client's Counter and Histogram fit). */
export interface InboxWorkerMetrics {
  processed: { inc(labels: { type: string; outcome: string }): void };
  failures: { inc(labels: { type: string; reason: string }): void };
  latency: { observe(labels: { type: string }, seconds: number): void };
}

export interface WorkerOptions {
  db: Database;
  handle: EventHandler;
  logger: BillingLogger;
  metrics?: InboxWorkerMetrics;
  /** Events claimed per round trip. @default 20 */
  batchSize?: number;
  /** How long a claim lasts; a worker that dies holding it frees it after this. @default 30000 */
  lockMs?: number;
  /** Polling interval when no notification arrives (the fallback of LISTEN/NOTIFY). @default 1000 */
  pollMs?: number;
  /**
   * When a failing event (or one parked for an unknown customer) is tried again and when it is `dead`.
   * @default DEFAULT_RETRY_SCHEDULE (1 min doubling up to 6 h apart, for 72 h)
   */
  retry?: RetrySchedule;
  workerId?: string;
  /** Replaces the clock for retry times and claims (tests on a simulated clock). @default the system clock, claims on the database's */
  clock?: () => Date;
  /** The jitter's randomness. @default Math.random */
  random?: () => number;
}

export interface InboxWorker {
  readonly workerId: string;
  start(): Promise<void>;
  /** Finishes the batch in hand, then stops. */
  stop(): Promise<void>;
  /** Processes due events until none is left (tests and one-shot runs). Returns how many were settled. */
  drain(): Promise<number>;
}

/**
 * A worker draining the inbox. Any number may run, in any number of processes: claims use
 * `FOR UPDATE SKIP LOCKED` and every settle checks the claim is still this worker's.
 *
 * @example
 * const worker = createInboxWorker({ db, logger, handle: billingHandler(billing) });
 * await worker.start();
 */
export function createInboxWorker(options: WorkerOptions): InboxWorker {
  const workerId = options.workerId ?? `wkr_${randomBytes(6).toString("hex")}`;
  const batchSize = options.batchSize ?? 20;
  const lockMs = options.lockMs ?? 30_000;
  const now = () => (options.clock ? options.clock() : new Date());
  const log = options.logger;
  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let unlisten: (() => Promise<void>) | undefined;

  /** Schedules the next attempt, or gives the event up once its retry window is over. */
  async function fail(row: InboxRow, error: string): Promise<{ dead: boolean }> {
    const at = now();
    const next = nextRetry(
      { attempt: row.attempts, receivedAt: row.receivedAt, now: at },
      options.retry,
      options.random,
    );
    await markFailed(options.db, row.id, workerId, {
      error,
      nextAttemptAt: next.dead ? at : next.retryAt,
      dead: next.dead,
    });
    return { dead: next.dead };
  }

  async function settle(row: InboxRow): Promise<void> {
    const started = performance.now();
    try {
      const result = await options.handle(row);
      if (result.outcome === "unknown_customer") {
        const { dead } = await fail(
          row,
          `unknown customer ${result.customerId}: parked until the customer is known`,
        );
        options.metrics?.failures.inc({ type: row.type, reason: "unknown_customer" });
        log.warn(
          { workerId, eventId: row.id, type: row.type, attempts: row.attempts, dead },
          "webhook.parked",
        );
        return;
      }
      const note = result.outcome === "ignored" ? `ignored: ${result.reason}` : null;
      const mine = await markProcessed(options.db, row.id, workerId, note);
      if (!mine) log.warn({ workerId, eventId: row.id }, "webhook.claim_lost");
      options.metrics?.processed.inc({ type: row.type, outcome: result.outcome });
      options.metrics?.latency.observe(
        { type: row.type },
        (now().getTime() - row.receivedAt.getTime()) / 1000,
      );
      log.info(
        {
          workerId,
          eventId: row.id,
          type: row.type,
          outcome: result.outcome,
          ms: Math.round(performance.now() - started),
        },
        "webhook.processed",
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const { dead } = await fail(row, message).catch((settleError) => {
        log.error({ workerId, err: settleError, eventId: row.id }, "webhook.settle_failed");
        return { dead: false };
      });
      options.metrics?.failures.inc({ type: row.type, reason: dead ? "dead" : "error" });
      log.error(
        { workerId, eventId: row.id, type: row.type, attempts: row.attempts, dead, error: message },
        "webhook.failed",
      );
    }
  }

  const at = () => (options.clock ? { now: options.clock() } : {});

  async function round(): Promise<number> {
    const batch = await claimDue(options.db, { workerId, limit: batchSize, lockMs, ...at() });
    // A batch can take longer than one claim (a slow Stripe): the rows not yet settled are renewed
    // every third of the lock, and each row is renewed again right before it runs, so a row whose
    // claim lapsed and was taken over by another worker is skipped here instead of run twice.
    const remaining = new Set(batch.map((row) => row.id));
    const renew = () => renewClaims(options.db, { workerId, ids: [...remaining], lockMs, ...at() });
    const heartbeat = setInterval(
      () => void renew().catch((error) => log.error({ workerId, err: error }, "webhook.renew_failed")),
      Math.max(1, Math.floor(lockMs / 3)),
    );
    try {
      // One at a time within a batch: events of one customer then apply in `created` order, and
      // parallelism comes from running more workers.
      for (const row of batch) {
        const held = await renew();
        if (held.has(row.id)) await settle(row);
        else log.warn({ workerId, eventId: row.id }, "webhook.claim_lost");
        remaining.delete(row.id);
      }
    } finally {
      clearInterval(heartbeat);
    }
    return batch.length;
  }

  async function run(): Promise<void> {
    while (running) {
      let claimed = 0;
      try {
        claimed = await round();
      } catch (error) {
        log.error({ workerId, err: error }, "webhook.claim_failed");
      }
      if (claimed === 0 && running) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, options.pollMs ?? 1_000);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    }
  }

  return {
    workerId,
    async start() {
      if (running) return;
      running = true;
      try {
        unlisten = await listen(options.db, INBOX_CHANNEL, () => wake?.());
      } catch (error) {
        log.warn({ workerId, err: error }, "webhook.listen_failed_polling_only");
      }
      loop = run();
      log.info({ workerId, batchSize, lockMs }, "webhook.worker_started");
    },
    async stop() {
      running = false;
      wake?.();
      await loop;
      await unlisten?.().catch(() => {});
      log.info({ workerId }, "webhook.worker_stopped");
    },
    async drain() {
      let total = 0;
      for (;;) {
        const n = await round();
        if (n === 0) return total;
        total += n;
      }
    },
  };
}
