import { Writable } from "node:stream";
import { ProblemError, requestHeader, setResponseHeader } from "@org/problem";
import { createMiddleware } from "hono/factory";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";
import { createMetrics } from "./metrics.js";
import { type RunningServer, serveNode } from "./serve-node.js";
import { createServiceApp } from "./service-app.js";

const logger = createLogger({ service: "t", destination: new Writable({ write: (_c, _e, cb) => cb() }) });

function buildApp() {
  const app = createServiceApp({
    logger,
    metrics: createMetrics({ service: "t", defaultMetrics: false }),
    health: { checks: {} },
  });
  app.use(
    "/r/*",
    createMiddleware(async (c, next) => {
      setResponseHeader(c, "X-Limit", "7");
      await next();
    }),
  );
  app.get("/r/json", (c) => c.json({ auth: requestHeader(c, "authorization") ?? null }));
  app.post("/r/created", (c) => {
    c.status(201);
    c.header("Location", "/r/1");
    return c.json({ id: 1 }, undefined, { "X-Extra": "e" });
  });
  app.get("/r/text", (c) => c.text("plain"));
  app.get("/r/problem", () => {
    throw new ProblemError("tenant_suspended");
  });
  app.get("/r/append", (c) => {
    c.header("Vary", "Accept");
    c.header("Vary", "Origin", { append: true });
    return c.json({ ok: true });
  });
  app.get("/r/deleted", (c) => {
    c.header("X-Limit", undefined);
    return c.json({ ok: true });
  });
  app.get("/r/options", (c) => c.json({ ok: true }, { status: 202, headers: { "X-Opt": "o" } }));
  return app;
}

type Send = (path: string, init?: RequestInit) => Promise<Response>;

describe("collected response headers", () => {
  let server: RunningServer | undefined;
  // Through app.request() (fetch Responses) first: the Node adapter, once started, replaces the
  // global Response of this process with its own. Then over a real socket (its fast path).
  const via: [string, Send, boolean][] = [
    ["app.request", (path, init) => Promise.resolve(buildApp().request(path, init)), false],
    ["socket", (path, init) => fetch(`http://127.0.0.1:${server?.port}${path}`, init), true],
  ];
  afterAll(() => server?.shutdown("test"));

  for (const [name, send, overSocket] of via) {
    describe(name, () => {
      beforeAll(async () => {
        if (overSocket)
          server = await serveNode({
            fetch: buildApp().fetch,
            port: 0,
            hostname: "127.0.0.1",
            logger,
            exit: false,
          });
      });

      it("puts every collected header on a c.json answer, with the request's own header read", async () => {
        const res = await send("/r/json", {
          headers: { authorization: "Bearer k1", "x-request-id": "rid-1" },
        });
        expect(res.status).toBe(200);
        expect(res.headers.get("x-limit")).toBe("7");
        expect(res.headers.get("x-request-id")).toBe("rid-1");
        expect(res.headers.get("x-content-type-options")).toBe("nosniff");
        expect(res.headers.get("content-type")).toBe("application/json");
        expect(await res.json()).toEqual({ auth: "Bearer k1" });
      });

      it("honours c.status(), c.header() and the headers argument of c.json", async () => {
        const res = await send("/r/created", { method: "POST" });
        expect(res.status).toBe(201);
        expect(res.headers.get("location")).toBe("/r/1");
        expect(res.headers.get("x-extra")).toBe("e");
        expect(res.headers.get("x-limit")).toBe("7");
      });

      it("gives the collected headers to answers built some other way: text and errors", async () => {
        const text = await send("/r/text");
        expect(await text.text()).toBe("plain");
        expect(text.headers.get("x-limit")).toBe("7");
        expect(text.headers.get("x-frame-options")).toBe("DENY");
        const problem = await send("/r/problem");
        expect(problem.status).toBe(403);
        expect(problem.headers.get("content-type")).toBe("application/problem+json");
        expect(problem.headers.get("x-limit")).toBe("7");
        expect(problem.headers.get("x-request-id")).toMatch(/^req_/);
      });

      it("keeps Hono's semantics for appended and deleted headers and an options argument", async () => {
        const appended = await send("/r/append");
        expect(appended.headers.get("vary")).toBe("Accept, Origin");
        expect(appended.headers.get("x-limit")).toBe("7");
        const deleted = await send("/r/deleted");
        expect(deleted.headers.get("x-limit")).toBeNull();
        expect(deleted.headers.get("x-request-id")).toMatch(/^req_/);
        const options = await send("/r/options");
        expect(options.status).toBe(202);
        expect(options.headers.get("x-opt")).toBe("o");
        expect(options.headers.get("x-limit")).toBe("7");
      });
    });
  }
});
