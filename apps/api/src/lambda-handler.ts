/** @module The api as an AWS Lambda handler (API Gateway), on the same runtime-agnostic app. */
import { lazyLambdaHandler } from "@org/server-kit/hono";
import { createApp } from "./app.js";
import { buildDeps, type Deps } from "./deps.js";
import type { Env } from "./env.js";

/**
 * A Lambda handler that builds its dependencies on the first (cold) invocation and reuses them; a
 * failed build is retried on the next invocation. On Lambda use DATABASE_URL and REDIS_URL: the
 * instance's disk and memory are not shared.
 *
 * Each invocation writes the API-call counts it buffered to Postgres before returning: Lambda may
 * freeze the instance (the metering's flush timer stops) or discard it once the handler returns. A
 * failed flush is logged and the counts stay buffered for the next invocation's flush.
 *
 * @param env the parsed environment
 * @param [build=buildDeps] builds the dependencies (tests pass ones already built)
 * @example
 * export const handler = createLambdaHandler(parseEnv());
 */
export function createLambdaHandler(env: Env, build: (env: Env) => Promise<Deps> = buildDeps) {
  return lazyLambdaHandler(async () => {
    const deps = await build(env);
    return {
      app: createApp({
        ...deps,
        adminToken: env.ADMIN_TOKEN,
        corsOrigins: env.CORS_ORIGINS,
        metricsToken: env.METRICS_TOKEN,
      }),
      afterInvocation: () => deps.metering.flush(),
      logger: deps.logger,
    };
  });
}
