/** @module Node entry of the self-hosted api: config, deps, server, graceful shutdown. */
import { runMain } from "@org/server-kit";
import { serveNode } from "@org/server-kit/hono";
import { createApp } from "./app.js";
import { buildDeps } from "./deps.js";
import { parseEnv } from "./env.js";

runMain(async () => {
  const env = parseEnv();
  const deps = await buildDeps(env);
  if (deps.generatedSecret) {
    // Shown once: only its hash is stored. Written to stderr so that log shippers reading stdout do not keep it.
    process.stderr.write(
      `\n  First API key of organisation "${env.ORG_SLUG}" (shown once, store it now):\n\n    ${deps.generatedSecret}\n\n` +
        `  Try: curl -H "Authorization: Bearer ${deps.generatedSecret}" http://localhost:${env.PORT}/v1/tenant\n\n`,
    );
  }
  const app = createApp({
    ...deps,
    adminToken: env.ADMIN_TOKEN,
    corsOrigins: env.CORS_ORIGINS,
    maxBodyBytes: env.MAX_BODY_BYTES,
    metricsToken: env.METRICS_TOKEN,
  });
  await serveNode({
    fetch: app.fetch,
    port: env.PORT,
    hostname: env.HOST,
    logger: deps.logger,
    // After in-flight requests finished: flush the API-call counters, then close pools.
    onShutdown: deps.close,
  });
  deps.logger.info(
    { url: `http://localhost:${env.PORT}`, storage: deps.storage, billing: !!deps.billing },
    "api.ready",
  );
});
