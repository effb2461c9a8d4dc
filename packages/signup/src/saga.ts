/** @module A minimal saga runner: steps in order, compensations of completed steps in reverse. */

/**
 * An expected refusal of a step (e.g. the slug is taken): the saga stops, compensates and returns it.
 *
 * @example
 * return { ok: false, reason: "slug_taken", detail: "The slug is taken." };
 */
export interface StepFailure<R extends string = string> {
  ok: false;
  reason: R;
  detail: string;
}

/**
 * What {@link runSaga} returns: every step ran, or one refused (its compensations have run).
 *
 * @example
 * const outcome = await runSaga(steps, ctx);
 * if (!outcome.ok) return outcome.reason;
 */
export type SagaOutcome<R extends string = string> = { ok: true } | (StepFailure<R> & { step: string });

/**
 * One step: `run` does it, or returns a {@link StepFailure} for an expected refusal (bugs and
 * infrastructure failures throw); `compensate` undoes it (and must be safe to run twice).
 *
 * @example
 * const step: SagaStep<Ctx> = { name: "reserve", run: reserve, compensate: release };
 */
export interface SagaStep<C, R extends string = string> {
  name: string;
  // biome-ignore lint/suspicious/noConfusingVoidType: a step that cannot refuse returns nothing.
  run(ctx: C): Promise<StepFailure<R> | void>;
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
 * Runs `steps` in order. When one refuses (returns a {@link StepFailure}) or throws, the
 * compensations of that step and of the completed ones run in reverse; the first compensation that
 * throws stops them (later ones would undo things the failed one depends on, e.g. freeing the slug
 * while a Stripe customer still points at it), and the remaining work is left for the sweeper.
 * A refusal is returned; a thrown error is rethrown as a {@link SagaError} with it as the cause.
 *
 * @throws {SagaError} when a step or a compensation throws
 * @example
 * const outcome = await runSaga([reserve, customer, activate], ctx);
 */
export async function runSaga<C, R extends string>(
  steps: readonly SagaStep<C, R>[],
  ctx: C,
  hooks: SagaHooks = {},
): Promise<SagaOutcome<R>> {
  const done: SagaStep<C, R>[] = [];
  for (const step of steps) {
    let failure: StepFailure<R> | undefined;
    try {
      failure = (await step.run(ctx)) ?? undefined;
    } catch (error) {
      await compensate([step, ...done.reverse()], ctx, step.name, error);
      throw new SagaError(step.name, error, true);
    }
    if (failure) {
      await compensate([step, ...done.reverse()], ctx, step.name, failure);
      return { ...failure, step: step.name };
    }
    done.push(step);
    await hooks.afterStep?.(step.name);
  }
  return { ok: true };
}

/** Runs compensations in order; the failed step itself may have half-happened (a timed-out call). */
async function compensate<C>(
  toUndo: readonly SagaStep<C, string>[],
  ctx: C,
  failedStep: string,
  cause: unknown,
): Promise<void> {
  for (const undo of toUndo) {
    try {
      await undo.compensate?.(ctx);
    } catch (compensationError) {
      throw new SagaError(failedStep, cause, false, compensationError);
    }
  }
}
