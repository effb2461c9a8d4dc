/** @module Whether the limiter's store is up, and which request probes it while it is down. */
import type { RateLimitStore } from "./store.js";

export interface StoreHealthOptions {
  store: RateLimitStore;
  retryIntervalMs: number;
  /** Logged with the outage. */
  context: Record<string, unknown>;
  logger?: {
    warn(obj: Record<string, unknown>, msg: string): void;
    info(obj: Record<string, unknown>, msg: string): void;
  };
  onError?: () => void;
  onRecovery?: () => void;
}

/**
 * Tracks store outages: after a failure the store is tried again by one request (the probe) every
 * `retryIntervalMs`, and the first success ends the outage without a restart.
 */
export function createStoreHealth(options: StoreHealthOptions) {
  const { store, retryIntervalMs, context, logger, onError, onRecovery } = options;
  let down = false;
  let downSinceMs = 0;
  let retryAtMs = 0;
  let probing = false;

  return {
    get down(): boolean {
      return down;
    },
    /** While down: "probe" for the one request that tries the store now, "skip" for the others. */
    admit(now: number): "store" | "probe" | "skip" {
      if (!down) return "store";
      if (probing || now < retryAtMs) return "skip";
      probing = true;
      return "probe";
    },
    /** The probe's store call settled (whatever the outcome). */
    probed(): void {
      probing = false;
    },
    failed(error: unknown, now: number): void {
      if (!down) {
        down = true;
        downSinceMs = now;
        logger?.warn({ err: error, store: store.kind, ...context }, "ratelimit.store_down");
      }
      onError?.();
      retryAtMs = now + retryIntervalMs;
    },
    /** The store answered: ends an outage, if any. */
    answered(now: number): void {
      if (!down) return;
      logger?.info({ store: store.kind, downForMs: now - downSinceMs }, "ratelimit.store_recovered");
      onRecovery?.();
      down = false;
    },
  };
}

export type StoreHealth = ReturnType<typeof createStoreHealth>;
