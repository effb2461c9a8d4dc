/** @module Readiness checks of the platform's dependencies, for `/ready`. */
import type { BillingDeps } from "@org/billing";
import { type Database, ping } from "@org/db";
import type { CheckResult, ReadinessCheck } from "@org/server-kit";
import type { Redis } from "ioredis";

/** Times a probe; a throw is "down" with its message. */
async function probe(run: () => Promise<unknown>): Promise<CheckResult> {
  const started = performance.now();
  try {
    await run();
    return { ok: true, latencyMs: Math.round((performance.now() - started) * 100) / 100 };
  } catch (error) {
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: (error as Error).message };
  }
}

/**
 * `database` always; `redis` and `stripe` (a one-item price list) when configured.
 *
 * @example
 * createServiceApp({ ..., health: { checks: readinessChecks({ db, redis, billing }), optional: ["stripe"] } });
 */
export function readinessChecks(deps: {
  db: Database;
  redis?: Redis;
  billing?: Pick<BillingDeps, "stripe">;
}): Record<string, ReadinessCheck> {
  const checks: Record<string, ReadinessCheck> = { database: () => ping(deps.db) };
  const { redis, billing } = deps;
  if (redis) checks.redis = () => probe(() => redis.ping());
  if (billing) checks.stripe = () => probe(() => billing.stripe.prices.list({ limit: 1 }));
  return checks;
}
