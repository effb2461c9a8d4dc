/** A server process for the benchmark: cloud-api from its environment, or a bare Hono route ("bare"). */
import { Writable } from "node:stream";
import { serve } from "@hono/node-server";
import { createLogger } from "@org/server-kit";
import { Hono } from "hono";
import { createApp } from "../src/app.js";
import { buildDeps } from "../src/deps.js";
import { parseEnv } from "../src/env.js";

let fetch: (req: Request) => Response | Promise<Response>;
if (process.argv[2] === "bare") {
  const app = new Hono();
  app.get("/v1/tenant", (c) => c.json({ id: "ten_bare", slug: "acme", plan: "free", status: "active" }));
  fetch = app.fetch;
} else {
  const env = parseEnv();
  const logger = createLogger({
    service: "bench",
    level: "silent",
    destination: new Writable({ write: (_c, _e, cb) => cb() }),
  });
  const deps = await buildDeps(env, logger);
  fetch = createApp({ ...deps, baseDomain: env.BASE_DOMAIN }).fetch;
}
const server = serve({ fetch, port: 0, hostname: "127.0.0.1" }, (info) =>
  process.send?.({ port: info.port }),
);
process.on("SIGTERM", () => server.close(() => process.exit(0)));
