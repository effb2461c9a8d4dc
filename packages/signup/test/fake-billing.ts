/** A BillingPort stand-in with Stripe's idempotency semantics and a fault switch per operation. */
import { randomUUID } from "node:crypto";
import type { BillingPort } from "../src/index.js";

export type Fault = "error" | "timeout" | "error_after_effect";
type Op = "createCustomer" | "deleteCustomer" | "createCheckoutSession";

export interface FakeBilling extends BillingPort {
  customers: Map<string, { id: string; tenantId: string; deleted: boolean }>;
  sessions: Map<string, { id: string; customerId: string }>;
  calls: Record<Op, number>;
  /** Faults consumed one per call of that operation. */
  faults: Partial<Record<Op, Fault[]>>;
  /** `plan:interval` pairs the fake does not sell (every other pair is sold). */
  unsold: Set<string>;
  live(): string[];
}

const never = () => new Promise<never>(() => {});

export function createFakeBilling(): FakeBilling {
  const customers = new Map<string, { id: string; tenantId: string; deleted: boolean }>();
  const sessions = new Map<string, { id: string; customerId: string }>();
  const byKey = new Map<string, unknown>();
  const calls: Record<Op, number> = { createCustomer: 0, deleteCustomer: 0, createCheckoutSession: 0 };
  const faults: Partial<Record<Op, Fault[]>> = {};
  const unsold = new Set<string>();
  let seq = 0;
  const fault = (op: Op) => faults[op]?.shift();

  // Like Stripe: the same idempotency key returns the first response, whatever happens to the client.
  const idempotent = <T>(key: string, make: () => T): T => {
    if (!byKey.has(key)) byKey.set(key, make());
    return byKey.get(key) as T;
  };

  const run = async <T>(op: Op, effect: () => T): Promise<T> => {
    calls[op]++;
    await new Promise((r) => setImmediate(r));
    const f = fault(op);
    if (f === "error") throw Object.assign(new Error(`fake ${op}: 500`), { statusCode: 500 });
    const result = effect();
    if (f === "error_after_effect")
      throw Object.assign(new Error(`fake ${op}: 500 after effect`), { statusCode: 500 });
    if (f === "timeout") return never();
    return result;
  };

  return {
    customers,
    sessions,
    calls,
    faults,
    unsold,
    sellsPlan: (plan, interval) => !unsold.has(`${plan}:${interval}`),
    live: () => [...customers.values()].filter((c) => !c.deleted).map((c) => c.id),
    createCustomer: (input) =>
      run("createCustomer", () =>
        idempotent(input.idempotencyKey, () => {
          const id = `cus_${++seq}_${randomUUID().slice(0, 8)}`;
          customers.set(id, { id, tenantId: input.tenantId, deleted: false });
          return { id };
        }),
      ),
    deleteCustomer: (id) =>
      run("deleteCustomer", () => {
        const c = customers.get(id);
        if (c) c.deleted = true;
      }),
    createCheckoutSession: (input) =>
      run("createCheckoutSession", () =>
        idempotent(input.idempotencyKey, () => {
          const id = `cs_${++seq}_${randomUUID().slice(0, 8)}`;
          sessions.set(id, { id, customerId: input.customerId });
          return { id, url: `https://checkout.test/${id}` };
        }),
      ),
  };
}
