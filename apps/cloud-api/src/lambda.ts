/** @module Lambda entry of cloud-api: `handler` for API Gateway; dependencies built on the first invocation. */
import { handle } from "hono/aws-lambda";
import { createApp } from "./app.js";
import { buildDeps } from "./deps.js";
import { parseEnv } from "./env.js";

const env = parseEnv();
let ready: Promise<ReturnType<typeof handle>> | undefined;

export const handler = async (...args: Parameters<ReturnType<typeof handle>>) => {
  ready ??= buildDeps(env).then((deps) =>
    handle(createApp({ ...deps, baseDomain: env.BASE_DOMAIN, corsOrigins: env.CORS_ORIGINS })),
  );
  return (await ready)(...args);
};
