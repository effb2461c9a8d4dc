import { Writable } from "node:stream";
import { problemErrorHandler } from "@org/problem/hono";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createLogger } from "../logger.js";
import { createMetrics } from "../metrics.js";
import { requestHeader, withResponseHeaders } from "./headers.js";
import { observe } from "./observe.js";
import { apiSecureHeaderList } from "./secure-headers.js";
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

/**
 * X-Default on every answer through withResponseHeaders(), a route-level override, and routes
 * answering in different ways. `seen` records whether the header was set on Node's ServerResponse
 * (`setHeader`) by the time the chain returned (null: no ServerResponse).
 */
function headerApp(seen: Record<string, boolean | null>) {
  const a = new Hono();
  a.use(async (c, next) => {
    await withResponseHeaders(c, [["x-default", "outer"]], next);
    const out = (c.env as { outgoing?: { hasHeader(name: string): boolean } } | undefined)?.outgoing;
    seen[c.req.path] = out ? out.hasHeader("x-default") : null;
  });
  a.get("/plain", (c) => c.json({ ok: true }));
  a.get("/json", (c) => c.json({ ok: true }, 201, { "X-Route": "1" }));
  a.get("/own", (c) => c.text("own", 200, { "X-Default": "route" }));
  a.get("/raw", () => new Response("raw", { headers: { "content-type": "text/plain" } }));
  a.get(
    "/inner",
    (c, next) => withResponseHeaders(c, [["x-default", "inner"]], next),
    () => new Response("in"),
  );
  a.get(
    "/inner-plain",
    (c, next) => withResponseHeaders(c, [["x-default", "inner"]], next),
    (c) => c.json({ ok: true }),
  );
  a.get("/shared", () => new Response("shared", { headers: SHARED_HEADERS }));
  a.get("/boom", () => {
    throw new Error("boom");
  });
  a.onError(problemErrorHandler());
  return a;
}

/** One header object that a route hands to every answer it gives: ours never go into it. */
const SHARED_HEADERS: Record<string, string> = { "content-type": "text/plain; charset=UTF-8" };

describe("withResponseHeaders", () => {
  for (const transport of ["node-server socket", "app.request()"] as const) {
    it(`puts its headers on every answer through ${transport}; the route's own and a later call win`, async () => {
      const seen: Record<string, boolean | null> = {};
      const app = headerApp(seen);
      const running =
        transport === "node-server socket"
          ? await serveNode({ fetch: app.fetch, port: 0, hostname: "127.0.0.1", logger, exit: false })
          : undefined;
      const at = (path: string) =>
        running ? fetch(`http://127.0.0.1:${running.port}${path}`) : Promise.resolve(app.request(path));
      try {
        const plain = await at("/plain");
        expect([plain.status, plain.headers.get("x-default"), await plain.json()]).toEqual([
          200,
          "outer",
          { ok: true },
        ]);
        const json = await at("/json");
        expect([json.status, json.headers.get("x-default"), json.headers.get("x-route")]).toEqual([
          201,
          "outer",
          "1",
        ]);
        expect(json.headers.get("content-type")).toMatch(/^application\/json/);
        expect(await json.json()).toEqual({ ok: true });
        expect((await at("/own")).headers.get("x-default")).toBe("route");
        expect((await at("/inner")).headers.get("x-default")).toBe("inner");
        expect((await at("/inner-plain")).headers.get("x-default")).toBe("inner");
        for (let i = 0; i < 2; i++) {
          const shared = await at("/shared");
          expect([shared.headers.get("x-default"), await shared.text()]).toEqual(["outer", "shared"]);
        }
        expect(Object.keys(SHARED_HEADERS).map((k) => k.toLowerCase())).not.toContain("x-default");
        const raw = await at("/raw");
        expect([raw.headers.get("x-default"), await raw.text()]).toEqual(["outer", "raw"]);
        const boom = await at("/boom");
        expect([boom.status, boom.headers.get("x-default")]).toEqual([500, "outer"]);
        expect(boom.headers.get("content-type")).toBe("application/problem+json");
        // On Node they wait for writeHead and go out with the answer's own headers (which
        // @hono/node-server always hands over as a plain object): never through setHeader().
        const node = transport === "node-server socket";
        expect(seen).toEqual({
          "/plain": node ? false : null,
          "/json": node ? false : null,
          "/own": node ? false : null,
          "/inner": node ? false : null,
          "/inner-plain": node ? false : null,
          "/shared": node ? false : null,
          "/raw": node ? false : null,
          "/boom": node ? false : null,
        });
      } finally {
        await running?.shutdown("test");
      }
    });
  }

  it("keeps them when the answer is rebuilt afterwards: HEAD, an outer c.header() after next()", async () => {
    const a = new Hono();
    a.use(async (c, next) => {
      await next();
      c.header("X-Outer", "after"); // Hono rebuilds a finalized answer to add it
    });
    a.use((c, next) => withResponseHeaders(c, [["x-inner", "inner"]], next));
    a.get("/plain", (c) => c.json({ ok: true }));
    a.get("/text", (c) => c.text("hi"));
    const running = await serveNode({ fetch: a.fetch, port: 0, hostname: "127.0.0.1", logger, exit: false });
    try {
      for (const path of ["/plain", "/text"]) {
        for (const method of ["GET", "HEAD"]) {
          const res = await fetch(`http://127.0.0.1:${running.port}${path}`, { method });
          expect([path, method, res.status, res.headers.get("x-inner"), res.headers.get("x-outer")]).toEqual([
            path,
            method,
            200,
            "inner",
            "after",
          ]);
        }
      }
    } finally {
      await running.shutdown("test");
    }
  });

  it("carries the request id and the security headers over a real socket, on errors too", async () => {
    const a = new Hono();
    const metrics = createMetrics({ service: "t", defaultMetrics: false });
    a.use(observe({ logger, metrics, headers: apiSecureHeaderList() }));
    a.get("/ok", (c) => c.json({ ok: true }));
    a.get("/docs", (c) => c.html("<p>docs</p>", 200, { "Content-Security-Policy": "default-src 'self'" }));
    a.get("/boom", () => {
      throw new Error("boom");
    });
    a.onError(problemErrorHandler());
    const running = await serveNode({ fetch: a.fetch, port: 0, hostname: "127.0.0.1", logger, exit: false });
    try {
      for (const path of ["/ok", "/boom", "/missing"]) {
        const res = await fetch(`http://127.0.0.1:${running.port}${path}`, {
          headers: { "x-request-id": "req_abc" },
        });
        expect(res.headers.get("x-request-id")).toBe("req_abc");
        expect(res.headers.get("x-content-type-options")).toBe("nosniff");
        expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
      }
      const docs = await fetch(`http://127.0.0.1:${running.port}/docs`);
      expect(docs.headers.get("content-security-policy")).toBe("default-src 'self'");
      expect(docs.headers.get("x-request-id")).toMatch(/.+/);
    } finally {
      await running.shutdown("test");
    }
  });
});
