/** @module The `stripe_operations` rows: an operation's key persisted before its call, renewed, completed, failed. */
import { randomUUID } from "node:crypto";
import { type Database, stripeOperations } from "@org/db";
import { and, eq, ne } from "drizzle-orm";
import type { StripeCallResult } from "./stripe-call.js";

const operationIs = (operation: string, stableId: string) =>
  and(eq(stripeOperations.operation, operation), eq(stripeOperations.stableId, stableId));

const pendingOperationIs = (operation: string, stableId: string) =>
  and(
    eq(stripeOperations.operation, operation),
    eq(stripeOperations.stableId, stableId),
    ne(stripeOperations.state, "completed"),
  );

const newKey = (operation: string, stableId: string) => `${operation}:${stableId}:${randomUUID()}`;

/**
 * The operation's row, or undefined.
 *
 * @example
 * const row = await findOperation(db, "customer:create", tenantId);
 */
export async function findOperation(db: Database, operation: string, stableId: string) {
  const [row] = await db.select().from(stripeOperations).where(operationIs(operation, stableId));
  return row;
}

/**
 * The operation's row, with a key `operation:stableId:uuid` inserted first when there was none.
 *
 * @throws Error when the row cannot be read back
 * @example
 * const row = await persistOperationKey(db, "customer:create", tenantId, new Date());
 */
export async function persistOperationKey(
  db: Database,
  operation: string,
  stableId: string,
  createdAt: Date,
) {
  // The key is durable before Stripe hears of it; a losing concurrent insert keeps the winner's key.
  // Stamped with the caller's clock (not the database's), the same clock its age is later measured on.
  await db
    .insert(stripeOperations)
    .values({ operation, stableId, idempotencyKey: newKey(operation, stableId), createdAt })
    .onConflictDoNothing();
  const row = await findOperation(db, operation, stableId);
  if (!row) throw new Error(`stripe operation ${operation}:${stableId} vanished`);
  return row;
}

/**
 * Gives a pending operation a fresh key whose age starts at `createdAt`, stored before it is sent.
 *
 * @example
 * key = await renewOperationKey(db, "customer:create", tenantId, new Date());
 */
export async function renewOperationKey(
  db: Database,
  operation: string,
  stableId: string,
  createdAt: Date,
): Promise<string> {
  const key = newKey(operation, stableId);
  await db
    .update(stripeOperations)
    .set({ idempotencyKey: key, createdAt })
    .where(pendingOperationIs(operation, stableId));
  return key;
}

/**
 * Records the resource Stripe answered with; returns its id.
 *
 * @example
 * return completeOperation(db, "customer:create", tenantId, customer, new Date());
 */
export async function completeOperation(
  db: Database,
  operation: string,
  stableId: string,
  result: StripeCallResult,
  completedAt: Date,
): Promise<string> {
  const resourceId = typeof result === "string" ? result : result.id;
  await db
    .update(stripeOperations)
    .set({ stripeResourceId: resourceId, state: "completed", completedAt, lastError: null })
    .where(pendingOperationIs(operation, stableId));
  return resourceId;
}

/**
 * Records a failed call's message (first 1000 characters) on the pending operation.
 *
 * @example
 * await recordOperationFailure(db, "customer:create", tenantId, error).catch(() => {});
 */
export async function recordOperationFailure(
  db: Database,
  operation: string,
  stableId: string,
  error: unknown,
): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  await db
    .update(stripeOperations)
    .set({ lastError: message.slice(0, 1000) })
    .where(pendingOperationIs(operation, stableId));
}
