/** @module /health and /ready with per-dependency detail. */
import type { Hono } from "hono";
import type { Logger } from "pino";
import type { CheckResult, DownReason, ReadinessCheck } from "../readiness.js";

export interface HealthOptions {
  /** Named dependency checks, e.g. `{ database: () => ping(db), redis: ... }`. */
  checks: Record<string, ReadinessCheck>;
  /** Checks whose failure is reported but does not make the service unready (e.g. Stripe). */
  optional?: string[];
  /** Deadline for each check. @default 2000 */
  timeoutMs?: number;
  /** Receives the raw error of a failed check (`readiness.down`), for operators. */
  logger?: Pick<Logger, "warn">;
}

const TIMED_OUT = Symbol("timed out");

async function runCheck(
  check: ReadinessCheck,
  timeoutMs: number,
): Promise<CheckResult & { timedOut?: boolean }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = await Promise.race([
      check(),
      new Promise<typeof TIMED_OUT>((resolve) => {
        timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
      }),
    ]);
    return result === TIMED_OUT
      ? { ok: false, timedOut: true, latencyMs: timeoutMs, error: `no answer within ${timeoutMs} ms` }
      : result;
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
 * 200, else 503; each dependency listed with its status, latency and, when down, a stable
 * {@link DownReason}: never a driver's message, which is logged instead).
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
      const { ok, latencyMs, error, timedOut } = results[i]!;
      const reason: DownReason | undefined = ok ? undefined : timedOut ? "timeout" : "unreachable";
      if (!ok) options.logger?.warn({ dependency: name, reason, err: error }, "readiness.down");
      checks[name] = {
        status: ok ? "up" : "down",
        ...(optional.has(name) ? { optional: true } : {}),
        ...(latencyMs !== undefined ? { latencyMs } : {}),
        ...(reason ? { reason } : {}),
      };
      if (!ok && !optional.has(name)) ready = false;
    });
    return c.json({ status: ready ? "ready" : "unavailable", checks }, ready ? 200 : 503);
  });
}
