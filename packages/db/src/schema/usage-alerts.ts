/** @module Usage alerts: each tenant's thresholds and spend cap, and the alerts already fired. */
import { jsonb, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { timestamptz } from "./_columns.js";
import { tenants } from "./tenancy.js";

/** One meter's alert settings: percentages of the included quota, an overage amount, a hard cap. */
export interface MeterAlertSettings {
  percentages?: number[];
  /** Minor units of the plan currency, priced like the reported overage. */
  overageAmounts?: number[];
  /** Minor units of overage past which metered requests are refused (402). */
  spendCap?: number;
}

/** The whole configuration of a tenant, replaced as one (PUT /v1/usage/alerts). */
export const usageAlertSettings = pgTable("usage_alert_settings", {
  tenantId: text()
    .primaryKey()
    .references(() => tenants.id, { onDelete: "cascade" }),
  meters: jsonb().$type<Record<string, MeterAlertSettings>>().notNull().default({}),
  updatedAt: timestamptz().notNull().defaultNow(),
});

/**
 * One row per alert fired: the primary key (tenant, meter, threshold, period start) is what makes a
 * threshold fire once per billing period across every process.
 */
export const usageAlertsFired = pgTable(
  "usage_alerts_fired",
  {
    tenantId: text()
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    meter: text().notNull(),
    /** `pct:80` or `amount:5000`. */
    threshold: text().notNull(),
    periodStart: timestamptz().notNull(),
    firedAt: timestamptz().notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.meter, t.threshold, t.periodStart] })],
);
