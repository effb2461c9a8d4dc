/** A small app with the middleware mounted, counting how often each handler really ran. */
import { problemErrorHandler } from "@org/problem/hono";
import { Hono } from "hono";
import {
  type IdempotencyOptions,
  type IdempotencyVariables,
  idempotency,
  isIdempotentReplay,
  markSensitiveFields,
} from "../src/hono/index.js";

export interface TestAppOptions extends Partial<IdempotencyOptions> {
  store: IdempotencyOptions["store"];
}

export function createTestApp(options: TestAppOptions) {
  const runs = { keys: 0, things: 0, invalid: 0, boom: 0, unavailable: 0, empty: 0, metered: 0 };
  /** While set, /v1/things waits for it: keeps a request in flight. */
  const gate: { wait?: Promise<void> } = {};
  const app = new Hono<{ Variables: IdempotencyVariables & { tenant: string } }>();
  app.use(async (c, next) => {
    c.set("tenant", c.req.header("x-tenant") ?? "ten_a");
    await next();
  });
  // Metering outside the middleware: it asks whether the answer was a replay.
  app.use(async (c, next) => {
    await next();
    if (c.req.method === "POST" && c.res.status < 400 && !isIdempotentReplay(c)) runs.metered++;
  });
  app.use("/v1/*", idempotency({ scope: (c) => c.get("tenant"), ...options }));
  app.post("/v1/things", async (c) => {
    runs.things++;
    const body = await c.req.json();
    if (gate.wait) await gate.wait;
    c.header("Set-Cookie", "session=secret");
    c.header("X-Internal", "not-replayed");
    c.header("ETag", `"v${runs.things}"`);
    // The random member proves a replay is the stored bytes, not a second run.
    return c.json({ id: `thing_${runs.things}`, echo: body, nonce: Math.random() }, 201, {
      Location: `/v1/things/${runs.things}`,
    });
  });
  // Answers a fresh secret once; the stored copy must not hold it.
  app.post("/v1/keys", (c) => {
    runs.keys++;
    markSensitiveFields(c, ["/secret", "/owner/token"]);
    const secret = `sk_test_${crypto.randomUUID().replaceAll("-", "")}`;
    return c.json({ id: `key_${runs.keys}`, secret, owner: { id: "u1", token: `tok_${secret}` } }, 201);
  });
  app.post("/v1/invalid", (c) => {
    runs.invalid++;
    return c.json({ code: "validation_failed" }, 400);
  });
  app.post("/v1/boom", () => {
    runs.boom++;
    throw new Error("handler crashed");
  });
  app.post("/v1/unavailable", (c) => {
    runs.unavailable++;
    return c.json({ code: "service_unavailable", attempt: runs.unavailable }, 503);
  });
  app.delete("/v1/things/:id", (c) => {
    runs.empty++;
    return c.body(null, 204);
  });
  app.get("/v1/things", (c) => c.json({ list: [] }));
  app.onError(problemErrorHandler());
  return { app, runs, gate };
}

export const post = (
  key: string | undefined,
  body: unknown = { amount: 100 },
  headers: Record<string, string> = {},
): RequestInit => ({
  method: "POST",
  headers: {
    "Content-Type": "application/json",
    ...(key === undefined ? {} : { "Idempotency-Key": key }),
    ...headers,
  },
  body: JSON.stringify(body),
});
