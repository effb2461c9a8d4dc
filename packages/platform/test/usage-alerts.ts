/** Usage-alert wiring shared by the outbox tests and their child process: metering -> enqueueUsageAlert. */
import { type Database, newId, tenants } from "@org/db";
import { meteringPlanSchema } from "@org/plans";
import { createUsageMetering, saveAlertSettings, type UsageMeteringOptions } from "@org/usage-metering";
import { enqueueUsageAlert } from "../src/usage-alert-outbox.js";

/** 1,000 tokens included, soft limit: thresholds at percentages of 1,000 tokens, nothing refused. */
export const ALERT_PLAN = meteringPlanSchema.parse({
  id: "alerts",
  meters: { tokens: { included: 1_000, limit: "soft" } },
});

export const PERCENTAGES = [25, 50, 75, 100];

/** An active tenant alerting at {@link PERCENTAGES} of its tokens. */
export async function seedAlertingTenant(db: Database): Promise<string> {
  const id = newId("tenant");
  await db.insert(tenants).values({
    id,
    slug: id.toLowerCase().replace(/_/g, "-"),
    name: id,
    email: `${id}@alerts.test`,
    plan: ALERT_PLAN.id,
    status: "active",
  });
  await saveAlertSettings(db, id, { tokens: { percentages: PERCENTAGES } });
  return id;
}

/**
 * A metering whose reached thresholds go into the outbox as the platform wires them
 * (`enqueueUsageAlert` with the claim's transaction). `afterEnqueue` runs in that transaction right
 * after the outbox insert: a test delays, blocks or fails there.
 */
export function alertMetering(
  db: Database,
  options: Partial<UsageMeteringOptions> & {
    afterEnqueue?: (alert: { tenantId: string; threshold: string }) => unknown;
  } = {},
) {
  const { afterEnqueue, ...rest } = options;
  return createUsageMetering({
    db,
    planFor: () => ALERT_PLAN,
    flushIntervalMs: 60_000, // tests drive checks through ingest()
    onThresholdReached: async (alert, tx) => {
      await enqueueUsageAlert(tx, alert);
      await afterEnqueue?.(alert);
    },
    ...rest,
  });
}

/** One `tokens` event of `quantity`, an hour ago (inside the current calendar month except at its very start). */
export const tokens = (id: string, quantity: number) => ({
  id,
  meter: "tokens",
  quantity,
  timestamp: new Date(Date.now() - 60_000).toISOString(),
});
