/** @module Leases: units charged in the store ahead of time and admitted locally, per key. */
import { type RateLimitDecision, toDecision } from "./decision.js";
import type { Policy } from "./policy.js";
import type { RateLimitStore, StoreDecision } from "./store.js";

interface Lease {
  policies: readonly Policy[];
  units: number;
  expiresAtMs: number;
  atMs: number;
  offsetsMs: number[];
  requesting: boolean;
}

export interface LeasesOptions {
  store: RateLimitStore;
  /** Units asked for per lease (> 0; the limiter does not create leases when leasing is off). */
  leaseUnits: number;
  leaseTtlMs: number;
  maxLocalKeys: number;
  /** Whether the store is failing: no top-up is asked for then. */
  isDown: () => boolean;
}

/**
 * The limiter's leases (see `leaseUnits` of the limiter's options). A lease never admits more than
 * was charged for it in the store; unspent units of an expired lease are handed back.
 */
export function createLeases(options: LeasesOptions) {
  const { store, leaseUnits, isDown } = options;
  const leases = new Map<string, Lease>();
  const { ask, granted } = createLeaseGrants(leases, options);

  /** Spends `cost` from the key's lease if it holds enough, else returns null. */
  function spend(key: string, ps: readonly Policy[], cost: number, now: number): RateLimitDecision | null {
    const lease = leases.get(key);
    if (lease === undefined || lease.policies !== ps || lease.units < cost || now >= lease.expiresAtMs)
      return null;
    lease.units -= cost;
    if (lease.units < leaseUnits / 2 && !lease.requesting && !isDown()) topUp(key, lease, ps, now);
    const elapsed = now - lease.atMs;
    const offsetsMs = lease.offsetsMs.map((o) => o - elapsed);
    return toDecision(ps, { allowed: true, leased: 0, offsetsMs }, cost, "lease");
  }

  /**
   * Asks for the next lease (a decision of cost 0) while half of this one is still left: a busy key
   * is then answered from leases throughout, instead of by one store call per request each time a
   * lease runs out. A failure only drops the ask; the key's next store decision meets the outage.
   */
  function topUp(key: string, lease: Lease, ps: readonly Policy[], now: number): void {
    lease.requesting = true;
    store.decide(key, ps, 0, leaseUnits).then(
      (raw) => granted(key, ps, raw, now),
      () => granted(key, ps, null, now),
    );
  }

  /**
   * An expired lease's unspent units go back to the store (a negative cost, decided in the same
   * tick and batch just before this request's own decision), instead of being lost.
   */
  function refundExpired(key: string, ps: readonly Policy[], now: number): void {
    const lease = leases.get(key);
    if (lease === undefined || lease.requesting || lease.units <= 0 || lease.policies !== ps) return;
    if (now < lease.expiresAtMs) return;
    const units = lease.units;
    lease.units = 0;
    store.decide(key, ps, -units, 0).catch(() => {}); // lost on failure: never admits more
  }

  return {
    /** Whether any key holds or awaits a lease (a cheap guard on the hot path). */
    get any(): boolean {
      return leases.size > 0;
    },
    spend,
    refundExpired,
    ask,
    granted,
  };
}

export type Leases = ReturnType<typeof createLeases>;

/**
 * The asking side of the leases: which key may ask for units now, and what an answer leaves in the
 * key's lease. At most `maxLocalKeys` keys are held; the oldest is dropped to make room.
 */
function createLeaseGrants(
  leases: Map<string, Lease>,
  options: Pick<LeasesOptions, "leaseUnits" | "leaseTtlMs" | "maxLocalKeys">,
) {
  const { leaseUnits, leaseTtlMs, maxLocalKeys } = options;

  /** How many units to ask for along with this decision: none while another ask is in flight. */
  function ask(key: string): number {
    const lease = leases.get(key);
    if (lease?.requesting) return 0;
    if (lease) lease.requesting = true;
    else {
      if (leases.size >= maxLocalKeys) {
        const oldest = leases.keys().next().value;
        if (oldest !== undefined) leases.delete(oldest);
      }
      leases.set(key, { policies: [], units: 0, expiresAtMs: 0, atMs: 0, offsetsMs: [], requesting: true });
    }
    return leaseUnits;
  }

  /** The answer to an ask (null: the ask failed). */
  function granted(key: string, ps: readonly Policy[], raw: StoreDecision | null, now: number): void {
    const lease = leases.get(key);
    if (!lease) return;
    lease.requesting = false;
    if (raw === null || raw.leased <= 0) return;
    // Units still held under the same policies are kept: they are charged already.
    const kept = lease.policies === ps && now < lease.expiresAtMs ? lease.units : 0;
    lease.policies = ps;
    lease.units = kept + raw.leased;
    lease.expiresAtMs = now + leaseTtlMs;
    lease.atMs = now;
    lease.offsetsMs = raw.offsetsMs;
  }

  return { ask, granted };
}
