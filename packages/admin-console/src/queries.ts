/** @module What the console shows, read from the platform's tables and the metering service. */
import { requeue } from "@org/billing";
import {
  auditLog,
  type Database,
  newId,
  subscriptions,
  subscriptionTransitions,
  tenantPlanHistory,
  tenants,
} from "@org/db";
import type { MeterSummary, UsageMetering } from "@org/usage-metering";
import { and, asc, desc, eq, like } from "drizzle-orm";

const DAY_MS = 86_400_000;

export interface TenantOverview {
  id: string;
  slug: string;
  name: string;
  plan: string;
  status: string;
  meters: MeterSummary[];
}

/**
 * The newest tenants (up to `limit`) with their current period's usage against the plan's quota.
 *
 * @example
 * const rows = await tenantOverviews({ db, metering }, 100);
 */
export async function tenantOverviews(
  deps: { db: Database; metering: UsageMetering },
  limit: number,
): Promise<TenantOverview[]> {
  const rows = await deps.db.select().from(tenants).orderBy(desc(tenants.createdAt)).limit(limit);
  return Promise.all(
    rows.map(async (t) => ({
      id: t.id,
      slug: t.slug,
      name: t.name,
      plan: t.plan,
      status: t.status,
      meters: (await deps.metering.summary(t.id)).meters,
    })),
  );
}

export interface HistoryEntry {
  at: Date;
  what: string;
  detail: string;
}

/**
 * A tenant's state history, oldest first: its audit trail (creation, status and plan changes by
 * operators or billing) and the plan changes billing recorded as they took effect.
 *
 * @example
 * const history = await tenantHistory(db, "ten_1");
 */
export async function tenantHistory(db: Database, tenantId: string): Promise<HistoryEntry[]> {
  const [audits, plans, transitions] = await Promise.all([
    db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.tenantId, tenantId), like(auditLog.action, "tenant.%")))
      .orderBy(asc(auditLog.at))
      .limit(200),
    db
      .select()
      .from(tenantPlanHistory)
      .where(eq(tenantPlanHistory.tenantId, tenantId))
      .orderBy(asc(tenantPlanHistory.effectiveAt))
      .limit(200),
    db
      .select()
      .from(subscriptionTransitions)
      .where(eq(subscriptionTransitions.tenantId, tenantId))
      .orderBy(asc(subscriptionTransitions.at))
      .limit(200),
  ]);
  const entries: HistoryEntry[] = [
    ...audits.map((a) => ({ at: a.at, what: a.action, detail: `${a.actor}: ${JSON.stringify(a.data)}` })),
    ...plans.map((p) => ({
      at: p.effectiveAt,
      what: "plan.effective",
      detail: `${p.previousPlan} -> ${p.plan}`,
    })),
    ...transitions.map((t) => ({
      at: t.at,
      what: "subscription.status",
      detail: `subscription ${t.stripeSubscriptionId}: ${t.fromStatus ?? "(new)"} → ${t.toStatus}${t.plan ? ` (${t.plan})` : ""}`,
    })),
  ];
  return entries.sort((a, b) => a.at.getTime() - b.at.getTime());
}

/**
 * A tenant, its Stripe subscriptions as last synced, and its history; undefined when unknown.
 *
 * @example
 * const detail = await tenantDetail(db, "ten_1");
 */
export async function tenantDetail(db: Database, tenantId: string) {
  const [tenant] = await db.select().from(tenants).where(eq(tenants.id, tenantId));
  if (!tenant) return undefined;
  const [subs, history] = await Promise.all([
    db
      .select()
      .from(subscriptions)
      .where(eq(subscriptions.tenantId, tenantId))
      .orderBy(desc(subscriptions.updatedAt)),
    tenantHistory(db, tenantId),
  ]);
  return { tenant, subscriptions: subs, history };
}

export interface DailySeries {
  meter: string;
  unit: string;
  /** One point per UTC day of the window, zero-filled, oldest first. */
  days: { startMs: number; value: number }[];
}

/**
 * Each meter's usage per UTC day over the `days` days ending with today (UTC).
 *
 * @example
 * const series = await dailyUsage(metering, "ten_1", Date.now(), 30);
 */
export async function dailyUsage(
  metering: UsageMetering,
  tenantId: string,
  nowMs: number,
  days: number,
): Promise<DailySeries[]> {
  const toMs = Math.floor(nowMs / DAY_MS) * DAY_MS + DAY_MS;
  const fromMs = toMs - days * DAY_MS;
  return Promise.all(
    metering.meters.list.map(async (meter) => {
      const { points } = await metering.usage(tenantId, {
        meter: meter.key,
        fromMs,
        toMs,
        granularity: "day",
      });
      const byDay = new Map(points.map((p) => [p.startMs, p.value]));
      return {
        meter: meter.key,
        unit: meter.unit,
        days: Array.from({ length: days }, (_, i) => {
          const startMs = fromMs + i * DAY_MS;
          return { startMs, value: byDay.get(startMs) ?? 0 };
        }),
      };
    }),
  );
}

/**
 * Requeues one event (or every dead one) and records who did it in the audit log.
 *
 * @example
 * await replayEvents(db, { id: "evt_1" }, "admin-console");
 */
export async function replayEvents(
  db: Database,
  which: { id: string } | { status: "dead" },
  actor: string,
): Promise<string[]> {
  const replayed = await requeue(db, which);
  await db.insert(auditLog).values({
    id: newId("audit"),
    actor,
    action: "id" in which ? "webhook_event.replay" : "webhook_event.replay_dead",
    target: "id" in which ? which.id : null,
    data: { count: replayed.length },
  });
  return replayed;
}
