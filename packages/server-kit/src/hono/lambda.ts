/** @module An AWS Lambda handler (API Gateway REST or HTTP API) over an app built on the first call. */
import type { Env, Hono, Schema } from "hono";
import { handle } from "hono/aws-lambda";
import type { Logger } from "../logger.js";

type GatewayHandler = ReturnType<typeof handle>;

/**
 * What `build` of {@link lazyLambdaHandler} returns when the app holds work that must finish before
 * an invocation ends.
 *
 * @example
 * const built: LambdaApp = { app, afterInvocation: () => deps.metering.flush(), logger: deps.logger };
 */
export interface LambdaApp<E extends Env = Env, S extends Schema = Schema, B extends string = string> {
  app: Hono<E, S, B>;
  /**
   * Awaited after each invocation's answer is produced and before the handler returns it. Lambda may
   * freeze the instance as soon as the handler returns (timers stop) and discard it without a
   * signal, so state buffered in memory (usage counts) must be written here. A rejection is logged
   * and the answer returned unchanged.
   */
  afterInvocation: () => Promise<void>;
  /** Where a failed `afterInvocation` is logged (`lambda.after_invocation_failed`). */
  logger: Pick<Logger, "error">;
}

/**
 * A Lambda handler whose app (and the dependencies behind it) is built on the first, cold invocation
 * and reused on warm ones. Concurrent cold invocations share one build; a failed build is forgotten,
 * so the next invocation retries instead of failing for the life of the instance.
 *
 * When `build` returns a {@link LambdaApp}, its `afterInvocation` runs after every invocation,
 * before the handler returns; its failure never turns the app's answer into an error.
 *
 * @param build opens the dependencies and returns the app, or the app with its `afterInvocation`
 * @returns the `handler` to export
 * @example
 * export const handler = lazyLambdaHandler(async () => {
 *   const deps = await buildDeps(env);
 *   return { app: createApp(deps), afterInvocation: () => deps.metering.flush(), logger: deps.logger };
 * });
 */
export function lazyLambdaHandler<E extends Env, S extends Schema, B extends string>(
  build: () => Promise<Hono<E, S, B> | LambdaApp<E, S, B>>,
) {
  let ready: Promise<{ handler: GatewayHandler; after?: () => Promise<void> }> | undefined;
  return async function lambdaHandler(
    event: Parameters<GatewayHandler>[0],
    context: Parameters<GatewayHandler>[1],
  ) {
    ready ??= build().then(
      (built) => ("afterInvocation" in built ? prepare(built) : { handler: handle(built) }),
      (error: unknown) => {
        ready = undefined;
        throw error;
      },
    );
    const { handler, after } = await ready;
    try {
      return await handler(event, context);
    } finally {
      await after?.();
    }
  };
}

/** The app's handler, and its `afterInvocation` with failures logged instead of thrown. */
function prepare<E extends Env, S extends Schema, B extends string>(built: LambdaApp<E, S, B>) {
  const { app, afterInvocation, logger } = built;
  return {
    handler: handle(app),
    after: async () => {
      try {
        await afterInvocation();
      } catch (error) {
        logger.error({ err: error }, "lambda.after_invocation_failed");
      }
    },
  };
}
