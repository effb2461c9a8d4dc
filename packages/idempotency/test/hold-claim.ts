/**
 * Child process of the kill test: claims a key through the middleware and hangs in the handler
 * until it is killed. Args: <postgres|redis> <url> <prefix> <key> <lockTtlMs>.
 */
import { createDb } from "@org/db";
import { Hono } from "hono";
import { Redis } from "ioredis";
import { idempotency } from "../src/hono/index.js";
import { createPostgresStore, createRedisStore } from "../src/index.js";

const [kind, url, prefix, key, lockTtlMs] = process.argv.slice(2);
if (!kind || !url || prefix === undefined || !key || !lockTtlMs)
  throw new Error("usage: hold-claim kind url prefix key lockTtlMs");

const store =
  kind === "postgres"
    ? createPostgresStore({ db: createDb({ driver: "postgres", url, maxConnections: 2 }) })
    : createRedisStore({ redis: new Redis(url), prefix });

const app = new Hono();
app.use("/v1/*", idempotency({ store, scope: () => "ten_kill", lockTtlMs: Number(lockTtlMs) }));
app.post("/v1/things", async () => {
  process.stdout.write("running\n");
  await new Promise(() => {}); // holds the claim until SIGKILL
  return new Response(null);
});

await app.request("/v1/things", {
  method: "POST",
  headers: { "Content-Type": "application/json", "Idempotency-Key": key },
  body: JSON.stringify({ amount: 100 }),
});
