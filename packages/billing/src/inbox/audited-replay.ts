/** @module Replays an operator asks for, each written to the audit log with the requeue it records. */
import { auditLog, type Database, newId, stripeWebhookEvents } from "@org/db";
import { eq } from "drizzle-orm";
import { requeue } from "./admin-queries.js";

/** Who asked for a replay, as the audit log records it. @default "admin" */
export interface ReplayOptions {
  actor?: string;
}

export type ReplayEventResult =
  | { ok: true; replayed: string[] }
  | { ok: false; reason: "not_found" | "being_processed" };

/**
 * Requeues one event and audits it (`webhook_event.replay`, with the status it had), in one
 * transaction. An event a worker holds right now is not replayed: `being_processed`.
 *
 * @example
 * const result = await replayEvent(db, "evt_123", { actor: "admin" });
 * if (!result.ok && result.reason === "not_found") ...
 */
export async function replayEvent(
  db: Database,
  id: string,
  options: ReplayOptions = {},
): Promise<ReplayEventResult> {
  return db.transaction(async (tx): Promise<ReplayEventResult> => {
    const [event] = await tx
      .select({ status: stripeWebhookEvents.status })
      .from(stripeWebhookEvents)
      .where(eq(stripeWebhookEvents.id, id));
    if (!event) return { ok: false, reason: "not_found" };
    const replayed = await requeue(tx, { id });
    if (replayed.length === 0) return { ok: false, reason: "being_processed" };
    await tx.insert(auditLog).values({
      id: newId("audit"),
      actor: options.actor ?? "admin",
      action: "webhook_event.replay",
      target: id,
      data: { previousStatus: event.status },
    });
    return { ok: true, replayed };
  });
}

/**
 * Requeues every dead event and audits it (`webhook_event.replay_dead`, with the count), in one
 * transaction. Returns the ids requeued.
 *
 * @example
 * const replayed = await replayDeadEvents(db, { actor: "admin" });
 */
export async function replayDeadEvents(db: Database, options: ReplayOptions = {}): Promise<string[]> {
  return db.transaction(async (tx) => {
    const replayed = await requeue(tx, { status: "dead" });
    await tx.insert(auditLog).values({
      id: newId("audit"),
      actor: options.actor ?? "admin",
      action: "webhook_event.replay_dead",
      target: null,
      data: { count: replayed.length },
    });
    return replayed;
  });
}
