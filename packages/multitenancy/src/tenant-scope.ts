/** @module The tenant-scoped data access layer: the only way handlers reach tenant-owned rows. */
import type { Executor } from "@org/db";
import { and, eq, type InferSelectModel, type SQL } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";

/**
 * Any table with a `tenant_id` column (every tenant-owned table has one, first in its key).
 *
 * @example
 * const table: TenantOwnedTable = apiKeys;
 */
export type TenantOwnedTable = PgTable & { tenantId: PgColumn };

/**
 * Insert values of a tenant-owned table without `tenantId`: the scope supplies it, the caller cannot.
 *
 * @example
 * await scope.insert(apiKeys, { id, name, prefix, hash } satisfies ScopedInsert<typeof apiKeys>);
 */
export type ScopedInsert<T extends TenantOwnedTable> = Omit<T["$inferInsert"], "tenantId">;
/**
 * Update values without `tenantId`: a row can never be moved to another tenant.
 *
 * @example
 * await scope.update(apiKeys, { name: "renamed" }, eq(apiKeys.id, id));
 */
export type ScopedUpdate<T extends TenantOwnedTable> = Partial<Omit<T["$inferInsert"], "tenantId">>;

/**
 * Reads and writes of one tenant's rows. Every statement it builds carries `tenant_id = <this tenant>`
 * in its WHERE clause (or its VALUES), added here and not by the caller, so a handler that forgets a
 * filter still only sees its own tenant's rows; there is no method that takes another tenant id.
 *
 * @example
 * const rows = await c.var.tenantDb.select(apiKeys);
 */
export interface TenantScope {
  readonly tenantId: string;
  select<T extends TenantOwnedTable>(table: T, where?: SQL): Promise<InferSelectModel<T>[]>;
  insert<T extends TenantOwnedTable>(
    table: T,
    values: NoInfer<ScopedInsert<T>>,
  ): Promise<InferSelectModel<T>>;
  update<T extends TenantOwnedTable>(
    table: T,
    set: NoInfer<ScopedUpdate<T>>,
    where?: SQL,
  ): Promise<InferSelectModel<T>[]>;
  delete<T extends TenantOwnedTable>(table: T, where?: SQL): Promise<InferSelectModel<T>[]>;
  /** Runs `fn` in one transaction with a scope bound to the same tenant. */
  transaction<R>(fn: (scope: TenantScope) => Promise<R>): Promise<R>;
}

// drizzle's builders are generic over the table in ways a helper cannot name without repeating its
// internals; the casts below are confined here and the public signatures above stay exact.
// biome-ignore lint/suspicious/noExplicitAny: see the comment above
type Loose = any;

/**
 * Binds a database (or transaction) to one tenant.
 *
 * @param db the database or a transaction
 * @param tenantId the tenant every statement is confined to (from the resolved context, never from input)
 * @returns a {@link TenantScope}
 * @example
 * const scope = tenantScope(db, c.var.tenant.id);
 * const keys = await scope.select(apiKeys, isNull(apiKeys.revokedAt));
 */
export function tenantScope(db: Executor, tenantId: string): TenantScope {
  if (!tenantId) throw new Error("tenantScope: a tenant id is required");
  const own = (table: TenantOwnedTable, where?: SQL) => and(eq(table.tenantId, tenantId), where);
  const stripTenant = (values: object) => {
    const { tenantId: _ignored, ...rest } = values as Record<string, unknown>;
    return rest;
  };
  return {
    tenantId,
    async select(table, where) {
      return (await (db as Loose).select().from(table).where(own(table, where))) as Loose;
    },
    async insert(table, values) {
      const [row] = await (db as Loose)
        .insert(table)
        .values({ ...stripTenant(values), tenantId })
        .returning();
      return row;
    },
    async update(table, set, where) {
      return (await (db as Loose)
        .update(table)
        .set(stripTenant(set))
        .where(own(table, where))
        .returning()) as Loose;
    },
    async delete(table, where) {
      return (await (db as Loose).delete(table).where(own(table, where)).returning()) as Loose;
    },
    transaction(fn) {
      return (db as Loose).transaction((tx: Executor) => fn(tenantScope(tx, tenantId)));
    },
  };
}
