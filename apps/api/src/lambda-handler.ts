/** @module The api as an AWS Lambda handler (API Gateway), on the same runtime-agnostic app. */
import { handle } from "hono/aws-lambda";
import { createApp } from "./app.js";
import { buildDeps, type Deps } from "./deps.js";
import type { Env } from "./env.js";

/**
 * A Lambda handler that builds its dependencies on the first (cold) invocation and reuses them.
 * On Lambda use DATABASE_URL and REDIS_URL: the instance's disk and memory are not shared.
 *
 * @example
 * export const handler = createLambdaHandler(parseEnv());
 */
export function createLambdaHandler(env: Env, build: (env: Env) => Promise<Deps> = buildDeps) {
  let ready: Promise<ReturnType<typeof handle>> | undefined;
  return async (
    event: Parameters<ReturnType<typeof handle>>[0],
    context: Parameters<ReturnType<typeof handle>>[1],
  ) => {
    ready ??= build(env).then((deps) =>
      handle(createApp({ ...deps, adminToken: env.ADMIN_TOKEN, corsOrigins: env.CORS_ORIGINS })),
    );
    return (await ready)(event, context);
  };
}
