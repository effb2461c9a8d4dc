/** @module Background jobs of the worker process that run every so often (retention, reconcile). */
import type { Logger } from "@org/server-kit";

export interface PeriodicJob {
  name: string;
  everyMs: number;
  run(): Promise<unknown>;
}

/**
 * Runs each job every `everyMs`, never two runs of one job at once (a slow run delays the next one
 * instead of piling up), logs failures and goes on. The timers do not keep the process alive.
 *
 * @returns stop(): clears the timers and waits for the runs in progress
 */
export function startPeriodic(jobs: PeriodicJob[], logger: Logger): () => Promise<void> {
  const running = new Map<string, Promise<void>>();
  const timers = jobs.map((job) => {
    const tick = () => {
      if (running.has(job.name)) return;
      const started = performance.now();
      const run = job
        .run()
        .then((result) =>
          logger.info(
            { job: job.name, result, ms: Math.round(performance.now() - started) },
            "periodic.done",
          ),
        )
        .catch((error) => logger.error({ job: job.name, err: error }, "periodic.failed"))
        .finally(() => running.delete(job.name));
      running.set(job.name, run);
    };
    const timer = setInterval(tick, job.everyMs);
    timer.unref();
    return timer;
  });
  return async () => {
    for (const timer of timers) clearInterval(timer);
    await Promise.all(running.values());
  };
}
