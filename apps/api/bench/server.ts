/** A server process for the benchmark: the bare Hono route, or the api with its whole /v1 pipeline. */
import { Writable } from "node:stream";
import { serve } from "@hono/node-server";
import { createLogger } from "@org/server-kit";
import { Hono } from "hono";
import { createApp } from "../src/app.js";
import { buildDeps } from "../src/deps.js";
import { parseEnv } from "../src/env.js";

const mode = process.argv[2];
let fetch: (req: Request) => Response | Promise<Response>;
// The same bytes the api answers (headers included), without any of the work behind them.
const SAME_HEADERS: Record<string, string> = {
  "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
  "X-Request-Id": "req_0123456789abcdef0123456789abcdef",
  RateLimit: '"self_hosted";r=19999999;t=0',
  "RateLimit-Policy": '"self_hosted";q=20000000;w=2',
};
if (mode === "bare-same") {
  // The cheapest way to answer them from Hono: a prebuilt body and a plain header object.
  const body = JSON.stringify({
    id: "ten_0123456789abcdefghij",
    slug: "default",
    name: "Self-hosted organisation",
    email: "admin@localhost.localdomain",
    status: "active",
    plan: "self_hosted",
    createdAt: "2026-11-23T13:02:36.320Z",
    updatedAt: "2026-11-23T13:02:36.320Z",
  });
  const app = new Hono();
  app.get(
    "/v1/tenant",
    () => new Response(body, { headers: { "content-type": "application/json", ...SAME_HEADERS } }),
  );
  fetch = app.fetch;
} else if (mode === "bare") {
  const app = new Hono();
  app.get("/v1/tenant", (c) =>
    c.json({ id: "ten_bare", slug: "default", plan: "self_hosted", status: "active" }),
  );
  fetch = app.fetch;
} else {
  const env = parseEnv({ ...process.env, LOG_LEVEL: "silent" });
  const logger = createLogger({
    service: "bench",
    level: "silent",
    destination: new Writable({ write: (_c, _e, cb) => cb() }),
  });
  const deps = await buildDeps(env, logger);
  fetch = createApp(deps).fetch;
}
const server = serve({ fetch, port: 0, hostname: "127.0.0.1" }, (info) =>
  process.send?.({ port: info.port }),
);
process.on("SIGTERM", () => server.close(() => process.exit(0)));
