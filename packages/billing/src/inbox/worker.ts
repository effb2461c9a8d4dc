/** @module The inbox worker: claims due events, runs the handler, settles each one. */
import { randomBytes } from "node:crypto";
import { type Database, listen } from "@org/db";
import type { BillingLogger } from "../context.js";
import { runClaimedBatch } from "./claimed-batch.js";
import { INBOX_CHANNEL } from "./intake-store.js";
import type { RetrySchedule } from "./retry-schedule.js";
import { type EventHandler, type InboxWorkerMetrics, settleEvent } from "./settle-event.js";

export type { EventHandler, InboxWorkerMetrics } from "./settle-event.js";

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
  const log = options.logger;
  const settleContext = {
    ...options,
    workerId,
    log,
    now: () => (options.clock ? options.clock() : new Date()),
  };
  const batchContext = { db: options.db, workerId, batchSize, lockMs, log, clock: options.clock };
  const round = () => runClaimedBatch(batchContext, (row) => settleEvent(settleContext, row));
  const poller = createPoller(round, options.pollMs ?? 1_000, (error) =>
    log.error({ workerId, err: error }, "webhook.claim_failed"),
  );
  let started = false;
  let unlisten: (() => Promise<void>) | undefined;

  return {
    workerId,
    async start() {
      if (started) return;
      started = true;
      try {
        unlisten = await listen(options.db, INBOX_CHANNEL, () => poller.wake());
      } catch (error) {
        log.warn({ workerId, err: error }, "webhook.listen_failed_polling_only");
      }
      poller.start();
      log.info({ workerId, batchSize, lockMs }, "webhook.worker_started");
    },
    async stop() {
      started = false;
      await poller.stop();
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

/** Runs `round` until stopped, sleeping `pollMs` (or until woken) whenever a round claims nothing. */
function createPoller(round: () => Promise<number>, pollMs: number, onError: (error: unknown) => void) {
  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;

  const sleep = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, pollMs);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => {
      wake = undefined;
    });

  async function run(): Promise<void> {
    while (running) {
      let claimed = 0;
      try {
        claimed = await round();
      } catch (error) {
        onError(error);
      }
      if (claimed === 0 && running) await sleep();
    }
  }

  return {
    wake: () => wake?.(),
    start() {
      running = true;
      loop = run();
    },
    /** Lets the round in hand finish, then ends the loop. */
    async stop() {
      running = false;
      wake?.();
      await loop;
    },
  };
}
