/** @module cloud-api as an AWS Lambda handler (API Gateway REST or HTTP API), on the runtime-agnostic app. */
import { lazyLambdaHandler } from "@org/server-kit";
import { createApp } from "./app.js";
import { buildDeps, type Deps } from "./deps.js";
import type { Env } from "./env.js";

/**
 * A Lambda handler that builds its dependencies (Postgres, Redis, Stripe, the signup saga) on the
 * first, cold invocation and reuses them; a failed build is retried on the next invocation.
 *
 * @param env the parsed environment
 * @param [build=buildDeps] builds the dependencies (tests pass ones already built)
 * @example
 * export const handler = createLambdaHandler(parseEnv());
 */
export function createLambdaHandler(env: Env, build: (env: Env) => Promise<Deps> = buildDeps) {
  return lazyLambdaHandler(async () =>
    createApp({
      ...(await build(env)),
      baseDomain: env.BASE_DOMAIN,
      corsOrigins: env.CORS_ORIGINS,
      metricsToken: env.METRICS_TOKEN,
    }),
  );
}
