/** The design's default catalogue, as metering sees it (`@org/plans` owns the real one). */

import type { Database } from "@org/db";
import { newId, tenants } from "@org/db";
import type { PlanInput } from "../src/index.js";

export const PLANS: PlanInput[] = [
  {
    id: "free",
    meters: {
      api_calls: { included: 10_000, limit: "hard" },
      tokens: { included: 100_000, limit: "hard" },
    },
    features: { webhooks: true, audit_log_export: false, sso: false },
  },
  {
    id: "pro",
    meters: {
      // 50 per 1,000 extra calls, each started 1,000 billed in full.
      api_calls: {
        included: 1_000_000,
        limit: "soft",
        overage: { model: "package", amount: 50, size: 1_000 },
      },
      // First 10M extra tokens at 2 per 1,000, then 1 per 1,000.
      tokens: {
        included: 10_000_000,
        limit: "soft",
        overage: {
          model: "graduated",
          tiers: [
            { upTo: 10_000_000, amount: 2, per: 1_000 },
            { upTo: null, amount: 1, per: 1_000 },
          ],
        },
      },
    },
    features: { webhooks: true, audit_log_export: true, sso: false },
  },
  {
    id: "enterprise",
    meters: {
      // The design says "volume tiers" without numbers; these are ours until billing ships its catalogue.
      api_calls: {
        included: 20_000_000,
        limit: "soft",
        overage: {
          model: "volume",
          tiers: [
            { upTo: 10_000_000, amount: 40, per: 1_000 },
            { upTo: 100_000_000, amount: 30, per: 1_000 },
            { upTo: null, amount: 20, per: 1_000 },
          ],
        },
      },
      tokens: {
        included: 500_000_000,
        limit: "soft",
        overage: {
          model: "volume",
          tiers: [
            { upTo: 100_000_000, amount: 15, per: 10_000 },
            { upTo: null, amount: 10, per: 10_000 },
          ],
        },
      },
    },
    features: { webhooks: true, audit_log_export: true, sso: true },
  },
  { id: "self_hosted", meters: {}, features: { webhooks: true, audit_log_export: true, sso: true } },
];

/** Inserts a tenant on `plan` (usage_events and usage_reports reference tenants). */
export async function seedTenant(db: Database, plan = "pro"): Promise<string> {
  const id = newId("tenant");
  await db
    .insert(tenants)
    .values({ id, slug: id.toLowerCase().replace("_", "-"), name: id, email: `${id}@t.test`, plan });
  return id;
}
