/** The plans of the tests: `@org/plans`' default catalogue as metering sees it, plus `self_hosted`. */

import type { Database } from "@org/db";
import { newId, tenants } from "@org/db";
import { createPlanCatalog, createPlanViews, DEFAULT_PLANS, SELF_HOSTED_PLAN } from "@org/plans";
import type { Plan, PlanProvider } from "../src/index.js";

const catalog = createPlanCatalog(DEFAULT_PLANS);
const views = createPlanViews(catalog, { selfHosted: { ratePerSecond: 1_000 } });
const PLAN_IDS = new Set([...catalog.plans.map((p) => p.id), SELF_HOSTED_PLAN]);

/**
 * The metering view of a default-catalogue plan (`free`, `pro`, `enterprise`) or `self_hosted`.
 * Throws for any other id, where the views would silently fall back to another plan.
 */
export function meteringPlan(planId: string): Plan {
  if (!PLAN_IDS.has(planId)) throw new Error(`unknown plan "${planId}"`);
  return views.metering(planId);
}

/** A plan provider answering the metering view of the plan id `planIdOf` gives the tenant. */
export function planProvider(planIdOf: (tenantId: string) => string): PlanProvider {
  return (tenantId) => meteringPlan(planIdOf(tenantId));
}

/** Inserts a tenant on `plan` (usage_events and usage_reports reference tenants). */
export async function seedTenant(db: Database, plan = "pro"): Promise<string> {
  const id = newId("tenant");
  await db
    .insert(tenants)
    .values({ id, slug: id.toLowerCase().replace("_", "-"), name: id, email: `${id}@t.test`, plan });
  return id;
}
