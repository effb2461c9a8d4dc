/** @module The api as an AWS Lambda handler (API Gateway), on the same runtime-agnostic app. */
import { lazyLambdaHandler } from "@org/server-kit";
import { createApp } from "./app.js";
import { buildDeps, type Deps } from "./deps.js";
import type { Env } from "./env.js";

/**
 * A Lambda handler that builds its dependencies on the first (cold) invocation and reuses them; a
 * failed build is retried on the next invocation. On Lambda use DATABASE_URL and REDIS_URL: the
 * instance's disk and memory are not shared.
 *
 * @example
 * export const handler = createLambdaHandler(parseEnv());
 */
export function createLambdaHandler(env: Env, build: (env: Env) => Promise<Deps> = buildDeps) {
  return lazyLambdaHandler(async () =>
    createApp({
      ...(await build(env)),
      adminToken: env.ADMIN_TOKEN,
      corsOrigins: env.CORS_ORIGINS,
      metricsToken: env.METRICS_TOKEN,
    }),
  );
}
