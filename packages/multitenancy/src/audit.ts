/** @module Audit log writes: who did what to which tenant. */
import { auditLog, type Executor, newId } from "@org/db";

/**
 * One audit log entry to write.
 *
 * @example
 * await writeAudit(db, { tenantId, actor: "admin", action: "tenant.plan_changed" });
 */
export interface AuditEntry {
  /** Null for platform-level actions. */
  tenantId: string | null;
  /** `api_key:<id>`, `admin`, `system:signup`, `system:sweeper`, ... */
  actor: string;
  /** e.g. `api_key.created`, `api_key.revoked`, `tenant.status_changed`, `tenant.plan_changed` */
  action: string;
  target?: string;
  data?: Record<string, unknown>;
}

/**
 * Appends one audit entry. Pass the transaction of the change it records, so both commit or neither.
 *
 * @example
 * await writeAudit(tx, { tenantId, actor: "admin", action: "tenant.status_changed", target: tenantId,
 *   data: { from: "active", to: "suspended" } });
 */
export async function writeAudit(db: Executor, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({
    id: newId("audit"),
    tenantId: entry.tenantId,
    actor: entry.actor,
    action: entry.action,
    target: entry.target ?? null,
    data: entry.data ?? {},
  });
}
