/** @module Node entry of cloud-api: config (Postgres and Redis required), deps, server, graceful shutdown. */
import { runMain } from "@org/server-kit";
import { serveNode } from "@org/server-kit/hono";
import { createApp } from "./app.js";
import { buildDeps } from "./deps.js";
import { parseEnv } from "./env.js";

runMain(async () => {
  const env = parseEnv();
  const deps = await buildDeps(env);
  const app = createApp({
    ...deps,
    baseDomain: env.BASE_DOMAIN,
    corsOrigins: env.CORS_ORIGINS,
    maxBodyBytes: env.MAX_BODY_BYTES,
    metricsToken: env.METRICS_TOKEN,
    trustedProxies: env.TRUSTED_PROXIES,
  });
  await serveNode({
    fetch: app.fetch,
    port: env.PORT,
    hostname: env.HOST,
    logger: deps.logger,
    onShutdown: deps.close,
  });
  deps.logger.info({ baseDomain: env.BASE_DOMAIN }, "cloud-api.ready");
});
