/** @module A minimal saga runner: steps in order, compensations of completed steps in reverse. */

/**
 * One step: `run` does it, `compensate` undoes it (and must be safe to run twice).
 *
 * @example
 * const step: SagaStep<Ctx> = { name: "reserve", run: reserve, compensate: release };
 */
export interface SagaStep<C> {
  name: string;
  run(ctx: C): Promise<void>;
  compensate?(ctx: C): Promise<void>;
}

/**
 * A saga step failed; says whether its compensations all ran.
 *
 * @example
 * if (error instanceof SagaError && !error.compensated) log.warn("left for the sweeper");
 */
export class SagaError extends Error {
  readonly step: string;
  /** True when every compensation ran; false leaves work for the sweeper. */
  readonly compensated: boolean;
  constructor(step: string, cause: unknown, compensated: boolean, compensationError?: unknown) {
    super(`saga step "${step}" failed${compensated ? "" : " and compensation did not finish"}`, { cause });
    this.name = "SagaError";
    this.step = step;
    this.compensated = compensated;
    if (compensationError !== undefined) this.compensationError = compensationError;
  }
  compensationError?: unknown;
}

/**
 * Test hooks of {@link runSaga}.
 *
 * @example
 * runSaga(steps, ctx, { afterStep: (name) => name === "customer" && process.exit(1) });
 */
export interface SagaHooks {
  /** Called after each step completes (tests use it to crash the process between steps). */
  afterStep?(name: string): void | Promise<void>;
}

/**
 * Runs `steps` in order. When one throws, the compensations of the steps that completed run in
 * reverse; the first compensation that throws stops them (later ones would undo things the failed
 * one depends on, e.g. freeing the slug while a Stripe customer still points at it), and the
 * remaining work is left for the sweeper. Throws a {@link SagaError} with the original error as cause.
 *
 * @example
 * await runSaga([reserve, customer, activate], ctx);
 */
export async function runSaga<C>(
  steps: readonly SagaStep<C>[],
  ctx: C,
  hooks: SagaHooks = {},
): Promise<void> {
  const done: SagaStep<C>[] = [];
  for (const step of steps) {
    try {
      await step.run(ctx);
    } catch (error) {
      // The failed step itself may have half-happened (a timed-out Stripe call that did succeed).
      const toUndo = [step, ...done.reverse()];
      for (const undo of toUndo) {
        try {
          await undo.compensate?.(ctx);
        } catch (compensationError) {
          throw new SagaError(step.name, error, false, compensationError);
        }
      }
      throw new SagaError(step.name, error, true);
    }
    done.push(step);
    await hooks.afterStep?.(step.name);
  }
}
