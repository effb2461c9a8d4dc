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
 * A step threw (a bug, or a dependency such as the database, Redis or a remote API failed), or a
 * compensation threw: the saga stopped and ran what compensations it could. Returned, not thrown,
 * so the caller decides how to answer (e.g. 503 with `Retry-After`) and what to log.
 *
 * @example
 * if (!outcome.ok && outcome.reason === "step_failed" && !outcome.compensated) leftForTheSweeper();
 */
export interface StepError {
  ok: false;
  reason: "step_failed";
  /** The step that failed (threw, or refused and then could not be compensated). */
  step: string;
  /** What it threw; for a refusal whose compensation failed, the compensation's error. */
  error: unknown;
  /** True when every compensation ran; false leaves work for the sweeper (or a resumed retry). */
  compensated: boolean;
  /** The step whose compensation threw, when `compensated` is false. */
  compensationStep?: string;
  compensationError?: unknown;
  /** Set when the step refused (this refusal) and a compensation then threw (`error`). */
  refusal?: StepFailure;
}

/**
 * What {@link runSaga} returns: every step ran, one refused (its compensations have run), or one
 * failed ({@link StepError}).
 *
 * @example
 * const outcome = await runSaga(steps, ctx);
 * if (!outcome.ok) return outcome.reason;
 */
export type SagaOutcome<R extends string = string> =
  | { ok: true }
  | (StepFailure<R> & { step: string })
  | StepError;

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
 * Nothing is thrown: a refusal is returned as it is, a thrown error as a {@link StepError}.
 *
 * @example
 * const outcome = await runSaga([reserve, customer, activate], ctx);
 * if (!outcome.ok && outcome.reason === "step_failed") log.warn({ err: outcome.error }, "saga step failed");
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
      const undone = await compensate([step, ...done.reverse()], ctx);
      return { ok: false, reason: "step_failed", step: step.name, error, ...undone };
    }
    if (failure) {
      const undone = await compensate([step, ...done.reverse()], ctx);
      if (undone.compensated) return { ...failure, step: step.name };
      // The refusal stands, but part of this attempt could not be undone: that is the failure to report.
      return {
        ok: false,
        reason: "step_failed",
        step: step.name,
        error: undone.compensationError,
        refusal: failure,
        ...undone,
      };
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
): Promise<Pick<StepError, "compensated" | "compensationStep" | "compensationError">> {
  for (const undo of toUndo) {
    try {
      await undo.compensate?.(ctx);
    } catch (compensationError) {
      return { compensated: false, compensationStep: undo.name, compensationError };
    }
  }
  return { compensated: true };
}
