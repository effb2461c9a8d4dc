/** @module Platform-level tenant operations (signup, admin, the loader); not tenant-scoped by nature. */
import { type Database, type Executor, recordPlanChange, type TenantStatus, tenants } from "@org/db";
import { and, asc, eq, gt, type InferSelectModel, lt } from "drizzle-orm";
import { writeAudit } from "./audit.js";
import type { InvalidationBus } from "./cache/bus.js";
import type { TenantLoader } from "./cache/tenant-cache.js";
import type { ResolvedTenant } from "./tenant.js";

/**
 * A row of `tenants`.
 *
 * @example
 * const row: TenantRow | undefined = await getTenant(db, id);
 */
export type TenantRow = InferSelectModel<typeof tenants>;

const columns = {
  id: tenants.id,
  slug: tenants.slug,
  plan: tenants.plan,
  status: tenants.status,
  name: tenants.name,
  email: tenants.email,
  createdAt: tenants.createdAt,
  updatedAt: tenants.updatedAt,
};

/**
 * The loader a tenant cache reads through: one indexed read per miss.
 *
 * @example
 * const cache = createTenantCache({ loader: createTenantLoader(db) });
 */
export function createTenantLoader(db: Database): TenantLoader {
  return {
    async bySlug(slug) {
      const [row] = await db.select(columns).from(tenants).where(eq(tenants.slug, slug)).limit(1);
      return row;
    },
    async byId(id) {
      const [row] = await db.select(columns).from(tenants).where(eq(tenants.id, id)).limit(1);
      return row;
    },
  };
}

/**
 * One tenant row by id (platform-level read: admin routes, the saga, `GET /v1/tenant`).
 *
 * @example
 * const row = await getTenant(db, c.var.tenant.id);
 */
export async function getTenant(db: Executor, id: string): Promise<TenantRow | undefined> {
  const [row] = await db.select().from(tenants).where(eq(tenants.id, id)).limit(1);
  return row;
}

/**
 * Public shape of a tenant in API answers.
 *
 * @example
 * return c.json(tenantView(row) satisfies TenantView);
 */
export interface TenantView {
  id: string;
  slug: string;
  name: string;
  email: string;
  status: TenantStatus;
  plan: string;
  createdAt: string;
  updatedAt: string;
}

type TenantViewRow = Pick<
  TenantRow,
  "id" | "slug" | "name" | "email" | "status" | "plan" | "createdAt" | "updatedAt"
>;
// Per row object: the tenant cache hands out the same row for every request until it changes. The
// view is reused while every field still matches (rows are not meant to be mutated, but may be).
const views = new WeakMap<TenantViewRow, { view: TenantView; createdMs: number; updatedMs: number }>();

/**
 * A tenant row as the API shows it (no Stripe ids): the same frozen object for as long as the row
 * is unchanged.
 *
 * @example
 * return c.json(tenantView(row));
 */
export const tenantView = (row: TenantViewRow): TenantView => {
  const hit = views.get(row);
  if (hit) {
    const v = hit.view;
    if (
      v.id === row.id &&
      v.slug === row.slug &&
      v.name === row.name &&
      v.email === row.email &&
      v.status === row.status &&
      v.plan === row.plan &&
      hit.createdMs === row.createdAt.getTime() &&
      hit.updatedMs === row.updatedAt.getTime()
    )
      return v;
  }
  const view: TenantView = {
    id: row.id,
    slug: row.slug,
    name: row.name,
    email: row.email,
    status: row.status,
    plan: row.plan,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
  Object.freeze(view);
  views.set(row, { view, createdMs: row.createdAt.getTime(), updatedMs: row.updatedAt.getTime() });
  return view;
};

const viewJsons = new WeakMap<TenantView, string>();

/**
 * {@link tenantView} as JSON text, serialised once per view: `GET /v1/tenant` answers a cached
 * tenant with the same string for as long as the row is unchanged.
 *
 * @example
 * return c.body(tenantViewJson(row), 200, { "Content-Type": "application/json" });
 */
export const tenantViewJson = (row: TenantViewRow): string => {
  const view = tenantView(row);
  let json = viewJsons.get(view);
  if (json === undefined) {
    json = JSON.stringify(view);
    viewJsons.set(view, json);
  }
  return json;
};

/** The `(from -> to)` status transitions an operator may make. */
const ALLOWED: Record<TenantStatus, readonly TenantStatus[]> = {
  pending: ["deleted"],
  active: ["suspended", "deleted"],
  suspended: ["active", "deleted"],
  deleted: [],
};

/**
 * The outcome of {@link setTenantStatus}.
 *
 * @example
 * const change = await setTenantStatus({ db, bus }, id, "suspended", "admin");
 */
export type StatusChange =
  | { ok: true; tenant: TenantRow; changed: boolean }
  | { ok: false; reason: "not_found" | "invalid_transition"; from?: TenantStatus };

/**
 * Changes a tenant's status in one transaction with its audit entry, then invalidates every node's
 * cache. The publish happens after the commit, so no node can reload the old row afterwards. If the
 * publish fails the call rejects (the change is committed): retrying it publishes again.
 *
 * @example
 * await setTenantStatus({ db, bus }, tenantId, "suspended", "admin");
 */
export async function setTenantStatus(
  deps: { db: Database; bus: InvalidationBus },
  tenantId: string,
  to: TenantStatus,
  actor: string,
): Promise<StatusChange> {
  const result = await deps.db.transaction(async (tx): Promise<StatusChange> => {
    const [row] = await tx.select().from(tenants).where(eq(tenants.id, tenantId)).for("update");
    if (!row) return { ok: false, reason: "not_found" };
    if (row.status === to) return { ok: true, tenant: row, changed: false };
    if (!ALLOWED[row.status].includes(to))
      return { ok: false, reason: "invalid_transition", from: row.status };
    const [updated] = await tx
      .update(tenants)
      .set({ status: to, updatedAt: new Date() })
      .where(eq(tenants.id, tenantId))
      .returning();
    await writeAudit(tx, {
      tenantId,
      actor,
      action: "tenant.status_changed",
      target: tenantId,
      data: { from: row.status, to },
    });
    return { ok: true, tenant: updated!, changed: true };
  });
  // Also when unchanged: an operator retrying after a failed publish (Redis down) re-sends it.
  if (result.ok) await deps.bus.publish({ tenantId: result.tenant.id, slug: result.tenant.slug });
  return result;
}

/**
 * Changes a tenant's plan (billing calls this after a subscription sync), audited and invalidated.
 *
 * @example
 * await setTenantPlan({ db, bus }, tenantId, "pro", "system:billing");
 */
export async function setTenantPlan(
  deps: { db: Database; bus: InvalidationBus },
  tenantId: string,
  plan: string,
  actor: string,
): Promise<TenantRow | undefined> {
  const row = await deps.db.transaction(async (tx) => {
    const [before] = await tx.select().from(tenants).where(eq(tenants.id, tenantId)).for("update");
    if (!before) return undefined;
    if (before.plan === plan) return before;
    const now = new Date();
    const [after] = await tx
      .update(tenants)
      .set({ plan, updatedAt: now })
      .where(eq(tenants.id, tenantId))
      .returning();
    await recordPlanChange(tx, { tenantId, from: before.plan, to: plan, at: now });
    await writeAudit(tx, {
      tenantId,
      actor,
      action: "tenant.plan_changed",
      target: tenantId,
      data: { from: before.plan, to: plan },
    });
    return after;
  });
  if (row) await deps.bus.publish({ tenantId: row.id, slug: row.slug });
  return row;
}

/**
 * One page of tenants ordered by id (cursor = the last id seen).
 *
 * @example
 * const { data, nextCursor } = await listTenants(db, { limit: 50, status: "suspended" });
 */
export async function listTenants(
  db: Executor,
  options: { limit: number; cursor?: string; status?: TenantStatus },
): Promise<{ data: TenantRow[]; nextCursor: string | null }> {
  const where = and(
    options.cursor ? gt(tenants.id, options.cursor) : undefined,
    options.status ? eq(tenants.status, options.status) : undefined,
  );
  const data = await db
    .select()
    .from(tenants)
    .where(where)
    .orderBy(asc(tenants.id))
    .limit(options.limit + 1);
  const more = data.length > options.limit;
  if (more) data.pop();
  return { data, nextCursor: more ? (data.at(-1)?.id ?? null) : null };
}

/**
 * Pending tenants last touched before `olderThan` (the sweeper's work list).
 *
 * @example
 * const stale = await stalePendingTenants(db, new Date(Date.now() - 600_000));
 */
export function stalePendingTenants(db: Executor, olderThan: Date, limit = 100): Promise<TenantRow[]> {
  return db
    .select()
    .from(tenants)
    .where(and(eq(tenants.status, "pending"), lt(tenants.updatedAt, olderThan)))
    .orderBy(asc(tenants.updatedAt))
    .limit(limit);
}

/**
 * The resolved shape of a row.
 *
 * @example
 * const resolved = resolvedOf(row); // { id, slug, plan, status }
 */
export const resolvedOf = (row: TenantRow): ResolvedTenant => ({
  id: row.id,
  slug: row.slug,
  plan: row.plan,
  status: row.status,
});
