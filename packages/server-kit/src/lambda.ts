/** @module An AWS Lambda handler (API Gateway REST or HTTP API) over an app built on the first call. */
import type { Env, Hono, Schema } from "hono";
import { handle } from "hono/aws-lambda";

type GatewayHandler = ReturnType<typeof handle>;

/**
 * A Lambda handler whose app (and the dependencies behind it) is built on the first, cold invocation
 * and reused on warm ones. Concurrent cold invocations share one build; a failed build is forgotten,
 * so the next invocation retries instead of failing for the life of the instance.
 *
 * @param build opens the dependencies and returns the app
 * @returns the `handler` to export
 * @example
 * export const handler = lazyLambdaHandler(async () => createApp(await buildDeps(env)));
 */
export function lazyLambdaHandler<E extends Env, S extends Schema, B extends string>(
  build: () => Promise<Hono<E, S, B>>,
) {
  let ready: Promise<GatewayHandler> | undefined;
  return async function lambdaHandler(
    event: Parameters<GatewayHandler>[0],
    context: Parameters<GatewayHandler>[1],
  ) {
    ready ??= build().then(
      (app) => handle(app),
      (error: unknown) => {
        ready = undefined;
        throw error;
      },
    );
    return (await ready)(event, context);
  };
}
