/** @module /health and /ready with per-dependency detail. */
import type { Hono } from "hono";

/** What a check reports; any further fields (driver, version...) are shown in /ready as they are. */
export interface CheckResult {
  ok: boolean;
  latencyMs?: number;
  error?: string;
}

/** A readiness check; it must not throw (a throw counts as down) and should answer within its deadline. */
export type ReadinessCheck = () => Promise<CheckResult>;

export interface HealthOptions {
  /** Named dependency checks, e.g. `{ database: () => ping(db), redis: ... }`. */
  checks: Record<string, ReadinessCheck>;
  /** Checks whose failure is reported but does not make the service unready (e.g. Stripe). */
  optional?: string[];
  /** Deadline for each check. @default 2000 */
  timeoutMs?: number;
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      check(),
      new Promise<CheckResult>((resolve) => {
        timer = setTimeout(
          () => resolve({ ok: false, error: `no answer within ${timeoutMs} ms` }),
          timeoutMs,
        );
      }),
    ]);
  } catch (error) {
    return {
      ok: false,
      latencyMs: Math.round(performance.now() - started),
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Mounts `GET /health` (the process answers) and `GET /ready` (every required dependency answers:
 * 200, else 503; each dependency listed with its status either way).
 *
 * @example
 * mountHealth(app, { checks: { database: async () => ping(db) } });
 */
export function mountHealth(app: Hono, options: HealthOptions): void {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const optional = new Set(options.optional ?? []);
  app.get("/health", (c) => c.json({ status: "ok" }));
  app.get("/ready", async (c) => {
    const names = Object.keys(options.checks);
    const results = await Promise.all(names.map((name) => runCheck(options.checks[name]!, timeoutMs)));
    const checks: Record<string, Record<string, unknown>> = {};
    let ready = true;
    names.forEach((name, i) => {
      const { ok, ...detail } = results[i]! as CheckResult & Record<string, unknown>;
      checks[name] = {
        status: ok ? "up" : "down",
        ...(optional.has(name) ? { optional: true } : {}),
        ...detail,
      };
      if (!ok && !optional.has(name)) ready = false;
    });
    return c.json({ status: ready ? "ready" : "unavailable", checks }, ready ? 200 : 503);
  });
}
