/** @module Fault injection: the next N matching requests fail, are throttled, hang, or lose their response. */
import { createMiddleware } from "hono/factory";
import { StripeFakeError } from "./errors.js";
import type { FakeEnv } from "./http-env.js";

/**
 * - `error`: answer `status` (default 500, `api_error`) without doing anything, before the endpoint
 *   starts (a failure in front of Stripe's API): nothing is saved under an idempotency key;
 * - `endpoint_error`: the endpoint starts executing and fails with `status` (default 500), after doing
 *   the work when `workDone` is set: Stripe saves this result, so a retry with the same idempotency
 *   key gets the same error back (`Idempotent-Replayed: true`) and only a new key runs again;
 * - `rate_limit`: answer 429 (`rate_limit`) without doing anything;
 * - `hang`: hold the request `hangMs` (past the client's timeout), then answer 500 without doing anything;
 * - `drop_response`: do the work (and store the idempotent result), then cut the connection before
 *   the response is written, the case where the client cannot know whether it happened.
 */
export type FaultKind = "error" | "endpoint_error" | "rate_limit" | "hang" | "drop_response";

/** A rule for the next `count` matching requests. */
export interface FaultRule {
  kind: FaultKind;
  /** How many matching requests it affects (default 1). */
  count?: number;
  /** Only requests whose path starts with this string or matches this pattern. */
  path?: string | RegExp;
  /** Only this method (`POST`, `GET`, `DELETE`). */
  method?: string;
  /** Status of an `error` fault (default 500). */
  status?: number;
  /** How long a `hang` holds the request (default 90 s, past the SDK's 80 s timeout). */
  hangMs?: number;
  /** Whether an `endpoint_error` does the work before failing (default false). */
  workDone?: boolean;
}

/** An active rule and how many requests it still affects. */
export interface ActiveFault extends Required<Pick<FaultRule, "kind">> {
  id: number;
  remaining: number;
  path?: string | RegExp;
  method?: string;
  status: number;
  hangMs: number;
  workDone: boolean;
}

/** Controls faults; see {@link createFaults}. */
export interface FaultController {
  /** Add a rule; rules are consumed in the order they were added. */
  inject(rule: FaultRule): ActiveFault;
  failNext(count?: number, options?: Omit<FaultRule, "kind" | "count">): ActiveFault;
  /** The next N matching requests fail inside the endpoint: the error is saved under their idempotency key. */
  failEndpointNext(count?: number, options?: Omit<FaultRule, "kind" | "count">): ActiveFault;
  rateLimitNext(count?: number, options?: Omit<FaultRule, "kind" | "count">): ActiveFault;
  hangNext(count?: number, options?: Omit<FaultRule, "kind" | "count">): ActiveFault;
  dropResponseNext(count?: number, options?: Omit<FaultRule, "kind" | "count">): ActiveFault;
  /** Rules with requests left to affect. */
  active(): ActiveFault[];
  clear(): void;
  /** Release hanging requests (used on stop). */
  releaseHangs(): void;
}

/**
 * A fault controller and its two middleware: `middleware` is mounted before idempotency (its faults
 * are never saved), `endpointMiddleware` after it (the endpoint "started executing", so Stripe saves
 * the error under the key).
 *
 * @example
 * const faults = createFaults();
 * app.use("/v1/*", faults.middleware, keys.middleware, faults.endpointMiddleware);
 * faults.controller.failNext(2, { path: "/v1/customers" });
 */
export function createFaults() {
  let nextId = 1;
  let rules: ActiveFault[] = [];
  const hangs = new Set<() => void>();

  const controller: FaultController = {
    inject(rule) {
      const active: ActiveFault = {
        id: nextId++,
        kind: rule.kind,
        remaining: rule.count ?? 1,
        status: rule.status ?? (rule.kind === "rate_limit" ? 429 : 500),
        hangMs: rule.hangMs ?? 90_000,
        workDone: rule.workDone ?? false,
      };
      if (rule.path !== undefined) active.path = rule.path;
      if (rule.method !== undefined) active.method = rule.method.toUpperCase();
      rules.push(active);
      return active;
    },
    failNext: (count = 1, options = {}) => controller.inject({ ...options, kind: "error", count }),
    failEndpointNext: (count = 1, options = {}) =>
      controller.inject({ ...options, kind: "endpoint_error", count }),
    rateLimitNext: (count = 1, options = {}) => controller.inject({ ...options, kind: "rate_limit", count }),
    hangNext: (count = 1, options = {}) => controller.inject({ ...options, kind: "hang", count }),
    dropResponseNext: (count = 1, options = {}) =>
      controller.inject({ ...options, kind: "drop_response", count }),
    active: () => rules.filter((r) => r.remaining > 0).map((r) => ({ ...r })),
    clear() {
      rules = [];
    },
    releaseHangs() {
      for (const release of hangs) release();
      hangs.clear();
    },
  };

  const take = (method: string, path: string, inEndpoint: boolean): ActiveFault | undefined => {
    const rule = rules.find(
      (r) =>
        r.remaining > 0 &&
        (r.kind === "endpoint_error") === inEndpoint &&
        (r.method === undefined || r.method === method) &&
        (r.path === undefined || (typeof r.path === "string" ? path.startsWith(r.path) : r.path.test(path))),
    );
    if (!rule) return undefined;
    rule.remaining--;
    rules = rules.filter((r) => r.remaining > 0);
    return rule;
  };

  const middleware = createMiddleware<FakeEnv>(async function faults(c, next) {
    const rule = take(c.req.method, c.req.path, false);
    if (!rule) return next();
    if (rule.kind === "rate_limit") {
      throw new StripeFakeError(429, "invalid_request_error", "Too many requests hit the API too quickly.", {
        code: "rate_limit",
      });
    }
    if (rule.kind === "hang") {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, rule.hangMs);
        function done() {
          clearTimeout(timer);
          hangs.delete(done);
          resolve();
        }
        hangs.add(done);
      });
    }
    if (rule.kind === "error" || rule.kind === "hang") {
      throw new StripeFakeError(
        rule.status,
        "api_error",
        "An unknown error occurred (injected by stripe-fake).",
      );
    }
    await next();
    // The work is done and stored; now the client never hears about it.
    c.env?.incoming?.socket.destroy();
  });

  const endpointMiddleware = createMiddleware<FakeEnv>(async function endpointFaults(c, next) {
    const rule = take(c.req.method, c.req.path, true);
    if (!rule) return next();
    if (rule.workDone) await next();
    throw new StripeFakeError(
      rule.status,
      "api_error",
      "An unknown error occurred (injected by stripe-fake).",
    );
  });

  return { controller, middleware, endpointMiddleware };
}
