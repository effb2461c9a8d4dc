/** @module cloud-api as an AWS Lambda handler (API Gateway REST or HTTP API), on the runtime-agnostic app. */
import { handle } from "hono/aws-lambda";
import { createApp } from "./app.js";
import { buildDeps, type Deps } from "./deps.js";
import type { Env } from "./env.js";

type GatewayHandler = ReturnType<typeof handle>;

/**
 * A Lambda handler that builds its dependencies (Postgres, Redis, Stripe, the signup saga) on the
 * first, cold invocation and reuses them on warm ones. Concurrent cold invocations share one build; a
 * failed build is forgotten, so the next invocation retries instead of failing forever.
 *
 * @param env the parsed environment
 * @param [build=buildDeps] builds the dependencies (tests pass ones already built)
 * @returns the `handler` to export
 * @example
 * export const handler = createLambdaHandler(parseEnv());
 */
export function createLambdaHandler(env: Env, build: (env: Env) => Promise<Deps> = buildDeps) {
  let ready: Promise<GatewayHandler> | undefined;
  return async function lambdaHandler(
    event: Parameters<GatewayHandler>[0],
    context: Parameters<GatewayHandler>[1],
  ) {
    ready ??= build(env).then(
      (deps) => handle(createApp({ ...deps, baseDomain: env.BASE_DOMAIN, corsOrigins: env.CORS_ORIGINS })),
      (error: unknown) => {
        ready = undefined;
        throw error;
      },
    );
    return (await ready)(event, context);
  };
}
