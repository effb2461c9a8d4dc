/**
 * The benchmark's server, in its own process so the load generator does not share its event loop.
 * Args: <plain|plain-node-body|postgres|redis> <databaseUrl> <redisUrl> <prefix> <cache|nocache>. Sends `{ port }` to its parent once listening (see startChildServer).
 */
import { serve } from "@hono/node-server";
import { createDb } from "@org/db";
import { Hono } from "hono";
import { Redis } from "ioredis";
import { idempotency } from "../src/hono/index.js";
import { readRequestBody } from "../src/hono/request-body.js";
import {
  createMemoryStore,
  createPostgresStore,
  createRedisStore,
  type IdempotencyStore,
} from "../src/index.js";

const [mode = "plain", databaseUrl = "", redisUrl = "", prefix = "", cache = "cache"] = process.argv.slice(2);

function storeFor(kind: string): IdempotencyStore | undefined {
  if (kind === "postgres")
    return createPostgresStore({
      db: createDb({ driver: "postgres", url: databaseUrl, maxConnections: 20 }),
    });
  if (kind === "redis")
    return createRedisStore({ redis: new Redis(redisUrl, { enableAutoPipelining: true }), prefix });
  if (kind === "memory") return createMemoryStore();
  return undefined;
}

const app = new Hono();
if (mode === "plain-node-body") {
  // The body read as the middleware reads it (straight from Node), without anything else.
  app.use("/v1/*", async (c, next) => {
    await readRequestBody(c);
    await next();
  });
}
const store = storeFor(mode);
if (store) {
  app.use(
    "/v1/*",
    idempotency({
      store,
      scope: () => "ten_bench",
      replayCache: cache === "cache" ? { maxEntries: 100_000 } : false,
    }),
  );
}
let n = 0;
app.post("/v1/things", async (c) => {
  const body = await c.req.json<{ amount: number }>();
  n++;
  return c.json({ id: `thing_${n}`, amount: body.amount }, 201);
});

const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
  process.send?.({ port: info.port });
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
