/** @module The fake's in-memory state: every object by id, in creation order. */
import { resourceMissing } from "./errors.js";
import type { FakeKind, FakeObjects } from "./types.js";

/** Objects by kind and id; lists come newest first like Stripe's. */
export interface Store {
  put<K extends FakeKind>(kind: K, value: FakeObjects[K]): FakeObjects[K];
  get<K extends FakeKind>(kind: K, id: string): FakeObjects[K] | undefined;
  /** The object, or Stripe's 404 `resource_missing` (`No such customer: 'cus_x'`). */
  require<K extends FakeKind>(kind: K, id: string, param?: string): FakeObjects[K];
  /** Every object of a kind, newest first. */
  all<K extends FakeKind>(kind: K): FakeObjects[K][];
  remove(kind: FakeKind, id: string): void;
  /** Any object by id, whatever its kind (expansion follows ids). */
  find(id: string): { kind: FakeKind; value: FakeObjects[FakeKind] } | undefined;
  /** Ids of deleted objects still answer `{id, object, deleted: true}`. */
  wasDeleted(id: string): string | undefined;
  /** Drop everything. */
  clear(): void;
}

const LABELS: Partial<Record<FakeKind, string>> = {
  payment_method: "PaymentMethod",
  subscription_schedule: "subscription schedule",
  "checkout.session": "checkout.session",
  "billing_portal.session": "billing_portal.session",
  "billing.meter": "billing.meter",
  subscription_item: "subscription item",
};

/**
 * A fresh empty store.
 *
 * @example
 * const store = createStore();
 * store.put("customer", customer);
 */
export function createStore(): Store {
  let seq = 0;
  const byKind = new Map<FakeKind, Map<string, { value: unknown; seq: number }>>();
  const kindOf = new Map<string, FakeKind>();
  const deleted = new Map<string, string>();
  const table = (kind: FakeKind) => {
    let t = byKind.get(kind);
    if (!t) {
      t = new Map();
      byKind.set(kind, t);
    }
    return t;
  };
  const store: Store = {
    put(kind, value) {
      const t = table(kind);
      const existing = t.get(value.id);
      t.set(value.id, { value, seq: existing?.seq ?? ++seq });
      kindOf.set(value.id, kind);
      return value;
    },
    get(kind, id) {
      return table(kind).get(id)?.value as FakeObjects[typeof kind] | undefined;
    },
    require(kind, id, param = "id") {
      const value = store.get(kind, id);
      if (!value) throw resourceMissing(LABELS[kind] ?? kind, id, param);
      return value;
    },
    all(kind) {
      return [...table(kind).values()]
        .sort((a, b) => b.seq - a.seq)
        .map((e) => e.value) as FakeObjects[typeof kind][];
    },
    remove(kind, id) {
      table(kind).delete(id);
      kindOf.delete(id);
      deleted.set(id, kind);
    },
    find(id) {
      const kind = kindOf.get(id);
      if (!kind) return undefined;
      const value = store.get(kind, id);
      return value ? { kind, value } : undefined;
    },
    wasDeleted: (id) => deleted.get(id),
    clear() {
      byKind.clear();
      kindOf.clear();
      deleted.clear();
      seq = 0;
    },
  };
  return store;
}
