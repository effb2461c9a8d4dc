import { Writable } from "node:stream";
import { requestHeader } from "@org/problem";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";
import { serveNode } from "./serve-node.js";

const logger = createLogger({ service: "t", destination: new Writable({ write: (_c, _e, cb) => cb() }) });

function app() {
  const a = new Hono();
  a.get("/h", (c) =>
    c.json({
      auth: requestHeader(c, "authorization") ?? null,
      key: requestHeader(c, "idempotency-key") ?? null,
      missing: requestHeader(c, "x-missing") ?? null,
      hono: c.req.header("authorization") ?? null,
    }),
  );
  return a;
}

describe("requestHeader", () => {
  it("reads Node's parsed headers over a real socket, as c.req.header() would", async () => {
    const running = await serveNode({
      fetch: app().fetch,
      port: 0,
      hostname: "127.0.0.1",
      logger,
      exit: false,
    });
    try {
      const res = await fetch(`http://127.0.0.1:${running.port}/h`, {
        headers: { Authorization: "Bearer k1", "Idempotency-Key": "abc" },
      });
      expect(await res.json()).toEqual({ auth: "Bearer k1", key: "abc", missing: null, hono: "Bearer k1" });
    } finally {
      await running.shutdown("test");
    }
  });

  it("falls back to the fetch Request where there is no Node request (app.request, Lambda)", async () => {
    const res = await app().request("/h", { headers: { authorization: "Bearer k2" } });
    expect(await res.json()).toEqual({ auth: "Bearer k2", key: null, missing: null, hono: "Bearer k2" });
  });
});
