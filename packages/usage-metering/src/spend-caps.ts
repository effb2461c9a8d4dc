/** @module Each tenant's spend caps, cached so the request path never queries Postgres for them. */
import type { Database, MeterAlertSettings } from "@org/db";
import { loadAlertSettings } from "./alerts.js";

export interface SpendCapCacheOptions {
  db: Database;
  clock: () => number;
  /** After this long a tenant's settings are reloaded in the background. */
  ttlMs: number;
  onError: (error: unknown) => void;
}

interface Entry {
  settings: Record<string, MeterAlertSettings>;
  loadedAtMs: number;
}

/**
 * Caches the alert settings of the tenants seen. `capOf` answers synchronously; a miss (or a stale
 * entry) starts one background load and answers from what is cached (no cap until the first load).
 */
export function createSpendCapCache(options: SpendCapCacheOptions) {
  const { db, clock, ttlMs, onError } = options;
  const entries = new Map<string, Entry>();
  const loading = new Map<string, Promise<void>>();

  function load(tenantId: string): Promise<void> {
    const running = loading.get(tenantId);
    if (running) return running;
    const started = loadAlertSettings(db, tenantId)
      .then((settings) => void entries.set(tenantId, { settings, loadedAtMs: clock() }))
      .catch(onError)
      .finally(() => loading.delete(tenantId));
    loading.set(tenantId, started);
    return started;
  }

  /** The cap in minor units of overage for a meter; `undefined` when none (or not loaded yet). */
  function capOf(tenantId: string, meter: string): number | undefined {
    const entry = entries.get(tenantId);
    if (!entry || clock() - entry.loadedAtMs >= ttlMs) void load(tenantId);
    return entry?.settings[meter]?.spendCap;
  }

  /**
   * A load that starts now: one already running may have read the settings before the change that
   * asks for this reload committed, so it is followed by a fresh one rather than joined.
   */
  function reload(tenantId: string): Promise<void> {
    const running = loading.get(tenantId);
    return running ? running.then(() => load(tenantId)) : load(tenantId);
  }

  return {
    capOf,
    /** Loads (or reloads) a tenant's settings now: after a PUT, and before its first request in tests. */
    reload,
  };
}

export type SpendCapCache = ReturnType<typeof createSpendCapCache>;
