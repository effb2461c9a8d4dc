/** Shared wiring for integration tests: a metering over a fresh database, a fake clock, the catalogue. */
import type { Database } from "@org/db";
import { createUsageMetering, type UsageMeteringOptions } from "../src/index.js";
import { planProvider } from "./catalogue.js";

export interface Harness {
  metering: ReturnType<typeof createUsageMetering>;
  clock: { now: number };
  plans: Map<string, string>;
}

export function meteringFor(
  db: Database,
  options: Partial<UsageMeteringOptions> = {},
  startMs = Date.now(),
): Harness {
  const clock = { now: startMs };
  const plans = new Map<string, string>();
  const metering = createUsageMetering({
    db,
    planFor: planProvider((tenantId) => plans.get(tenantId) ?? "pro"),
    clock: () => clock.now,
    flushIntervalMs: 60_000, // tests flush explicitly
    ...options,
  });
  return { metering, clock, plans };
}
