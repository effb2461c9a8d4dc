/** @module One claimed inbox event: run the handler, then mark it processed, parked or failed. */
import type { Database } from "@org/db";
import type { BillingLogger } from "../context.js";
import { type InboxRow, markFailed, markProcessed } from "./claims.js";
import { nextRetry, type RetrySchedule } from "./retry-schedule.js";

/** What the worker does with one event; {@link billingHandler} in production. */
export type EventHandler = (row: InboxRow) => Promise<HandlerResult>;

/** The outcome of {@link EventHandler} for one event. */
export type HandlerResult =
  | { outcome: "synced" }
  | { outcome: "ignored"; reason: string }
  | { outcome: "unknown_customer"; customerId: string };

/** The metrics the worker updates (prom-client's Counter and Histogram fit). */
export interface InboxWorkerMetrics {
  processed: { inc(labels: { type: string; outcome: string }): void };
  failures: { inc(labels: { type: string; reason: string }): void };
  latency: { observe(labels: { type: string }, seconds: number): void };
}

/** What settling an event needs from its worker. */
export interface SettleContext {
  db: Database;
  workerId: string;
  handle: EventHandler;
  log: BillingLogger;
  metrics?: InboxWorkerMetrics;
  retry?: RetrySchedule;
  random?: () => number;
  now: () => Date;
}

/**
 * Runs the handler on one claimed event and records what came of it. Never throws: a handler
 * error schedules a retry, and a failure to record that is logged (the claim then lapses and the
 * event is claimed again).
 */
export async function settleEvent(ctx: SettleContext, row: InboxRow): Promise<void> {
  const started = performance.now();
  try {
    const result = await ctx.handle(row);
    if (result.outcome === "unknown_customer") await parkEvent(ctx, row, result.customerId);
    else await markHandled(ctx, row, result, performance.now() - started);
  } catch (error) {
    await recordHandlerError(ctx, row, error);
  }
}

/** Schedules the next attempt, or gives the event up once its retry window is over. */
async function scheduleRetry(ctx: SettleContext, row: InboxRow, error: string): Promise<{ dead: boolean }> {
  const at = ctx.now();
  const next = nextRetry(
    { attempt: row.attempts, receivedAt: row.receivedAt, now: at },
    ctx.retry,
    ctx.random,
  );
  await markFailed(ctx.db, row.id, ctx.workerId, {
    error,
    nextAttemptAt: next.dead ? at : next.retryAt,
    dead: next.dead,
  });
  return { dead: next.dead };
}

/** An event for a customer not known yet is retried on the same schedule as a failure. */
async function parkEvent(ctx: SettleContext, row: InboxRow, customerId: string): Promise<void> {
  const { dead } = await scheduleRetry(
    ctx,
    row,
    `unknown customer ${customerId}: parked until the customer is known`,
  );
  ctx.metrics?.failures.inc({ type: row.type, reason: "unknown_customer" });
  ctx.log.warn(
    { workerId: ctx.workerId, eventId: row.id, type: row.type, attempts: row.attempts, dead },
    "webhook.parked",
  );
}

async function markHandled(
  ctx: SettleContext,
  row: InboxRow,
  result: Exclude<HandlerResult, { outcome: "unknown_customer" }>,
  elapsedMs: number,
): Promise<void> {
  const { workerId } = ctx;
  const note = result.outcome === "ignored" ? `ignored: ${result.reason}` : null;
  const mine = await markProcessed(ctx.db, row.id, workerId, note);
  if (!mine) ctx.log.warn({ workerId, eventId: row.id }, "webhook.claim_lost");
  ctx.metrics?.processed.inc({ type: row.type, outcome: result.outcome });
  ctx.metrics?.latency.observe({ type: row.type }, (ctx.now().getTime() - row.receivedAt.getTime()) / 1000);
  ctx.log.info(
    { workerId, eventId: row.id, type: row.type, outcome: result.outcome, ms: Math.round(elapsedMs) },
    "webhook.processed",
  );
}

async function recordHandlerError(ctx: SettleContext, row: InboxRow, error: unknown): Promise<void> {
  const { workerId } = ctx;
  const message = error instanceof Error ? error.message : String(error);
  const { dead } = await scheduleRetry(ctx, row, message).catch((settleError) => {
    ctx.log.error({ workerId, err: settleError, eventId: row.id }, "webhook.settle_failed");
    return { dead: false };
  });
  ctx.metrics?.failures.inc({ type: row.type, reason: dead ? "dead" : "error" });
  ctx.log.error(
    { workerId, eventId: row.id, type: row.type, attempts: row.attempts, dead, error: message },
    "webhook.failed",
  );
}
