/** @module The heartbeat that keeps a claim alive while its handler runs. */
import type { IdempotencyStore, RenewInput } from "../store.js";

export interface LockHeartbeat {
  /** Stops renewing; the claim then ends by complete, release, or lapsing after `lockTtlMs`. */
  stop(): void;
}

export interface LockHeartbeatOptions {
  store: IdempotencyStore;
  claim: Omit<RenewInput, "now">;
  clock: () => number;
  intervalMs: number;
  /** A renewal that threw (the next beat tries again). */
  onError: (error: unknown) => void;
  /** The claim is no longer ours (taken over after a long stall): renewing stops. */
  onLost: () => void;
}

/**
 * Renews the claim every `intervalMs` (a fraction of `lockTtlMs`), so a retry of a slow request is
 * answered 409 for as long as the first attempt runs instead of running the handler a second time.
 * A crashed process stops beating, and its claim lapses after `lockTtlMs`. One renewal at
 * a time: a beat that finds the previous one still waiting on the store is skipped.
 */
export function startLockHeartbeat(options: LockHeartbeatOptions): LockHeartbeat {
  const { store, claim, clock, intervalMs, onError, onLost } = options;
  let renewing = false;
  let stopped = false;
  const timer = setInterval(() => {
    if (renewing || stopped) return;
    renewing = true;
    store.renew({ ...claim, now: clock() }).then(
      (held) => {
        renewing = false;
        if (!held && !stopped) {
          stop();
          onLost();
        }
      },
      (error: unknown) => {
        renewing = false;
        if (!stopped) onError(error);
      },
    );
  }, intervalMs);
  // A pending heartbeat must not keep a shutting-down process alive.
  timer.unref();
  function stop() {
    stopped = true;
    clearInterval(timer);
  }
  return { stop };
}
