/** @module The latency switch: every matching API request is answered late, but answered (a slow Stripe). */
import { createMiddleware } from "hono/factory";
import type { FakeEnv } from "./http-env.js";

/** A delay added to every request whose path starts with `path` (all API requests when absent). */
export interface LatencySetting {
  ms: number;
  path?: string;
}

/** Sets and clears the delay; see {@link createLatency}. */
export interface LatencyController {
  /** Delay every matching request by `ms` from now on (replaces the previous setting). */
  set(setting: LatencySetting): void;
  /** Answer at once again. */
  clear(): void;
  current(): LatencySetting | undefined;
}

/**
 * A latency controller and its middleware. Unlike a `hang` fault, the request then runs normally:
 * this is Stripe being slow, not down, the case where work outlives a lock taken before the call.
 *
 * @example
 * const latency = createLatency();
 * latency.controller.set({ ms: 300, path: "/v1/subscriptions" });
 */
export function createLatency() {
  let setting: LatencySetting | undefined;
  const controller: LatencyController = {
    set(next) {
      setting = { ...next };
    },
    clear() {
      setting = undefined;
    },
    current: () => (setting ? { ...setting } : undefined),
  };
  const middleware = createMiddleware<FakeEnv>(async function latency(c, next) {
    const active = setting;
    if (active && active.ms > 0 && (active.path === undefined || c.req.path.startsWith(active.path))) {
      await new Promise((resolve) => setTimeout(resolve, active.ms));
    }
    await next();
  });
  return { controller, middleware };
}
