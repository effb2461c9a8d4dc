/** @module Readiness probe of the database. */
import { sql } from "drizzle-orm";
import { type Database, driverOf } from "./client.js";

export interface PingResult {
  ok: boolean;
  driver: "postgres" | "pglite";
  latencyMs: number;
  error?: string;
}

/**
 * Runs `select 1` with a deadline. Never throws: a readiness endpoint reports the result.
 *
 * @example
 * const { ok, latencyMs } = await ping(db, { timeoutMs: 500 });
 */
export async function ping(db: Database, options: { timeoutMs?: number } = {}): Promise<PingResult> {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const driver = driverOf(db);
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      db.execute(sql`select 1`),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, driver, latencyMs: Math.round((performance.now() - started) * 100) / 100 };
  } catch (error) {
    return {
      ok: false,
      driver,
      latencyMs: Math.round(performance.now() - started),
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    clearTimeout(timer);
  }
}
