import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryStore } from "../memory-store.js";
import { idempotency } from "./idempotency.js";
import { readRequestBody } from "./request-body.js";

// The middleware reads the body first; the route must still read it, as JSON and as text, with the
// same results and errors as without the middleware. A route answering with plain headers (no
// c.header()) must have them stored and replayed.
function buildApp() {
  let runs = 0;
  const app = new Hono();
  app.use("/v1/*", idempotency({ store: createMemoryStore(), scope: () => "ten_1", replayCache: false }));
  app.post("/v1/echo", async (c) => {
    runs++;
    const text = await c.req.text();
    let json: unknown;
    try {
      json = await c.req.json();
    } catch (error) {
      return c.json({ error: (error as Error).name, text }, 400);
    }
    return c.json({ json, text, runs }, 201, { Location: `/v1/echo/${runs}`, "X-Internal": "no" });
  });
  // Only a content type: the Node adapter keeps it as a plain object, read without a Headers.
  app.post("/v1/plain", async (c) => c.json({ got: await c.req.json(), runs: ++runs }, 201));
  app.post("/v1/bytes", async (c) => {
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    const json = (await c.req.json()) as { fill: string };
    return c.json({ length: bytes.byteLength, fillLength: json.fill.length, first: bytes[0] }, 201);
  });
  return app;
}

const post = (key: string, body: string) => ({
  method: "POST",
  headers: { "Idempotency-Key": key, "Content-Type": "application/json" },
  body,
});

describe("the route reads the body the middleware read", () => {
  let server: ReturnType<typeof serve> | undefined;
  let base = "";
  const via: [string, (path: string, init: RequestInit) => Promise<Response>][] = [
    ["app.request", async (path, init) => app.request(path, init)],
    ["node-server", (path, init) => fetch(`${base}${path}`, init)],
  ];
  const app = buildApp();
  beforeAll(async () => {
    await new Promise<void>((resolve) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve());
    });
    base = `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server!.close(() => resolve())));

  for (const [name, send] of via) {
    it(`${name}: JSON and text, byte for byte, with a BOM-less UTF-8 decode`, async () => {
      const raw = '{"note":"caf\u00e9","n":[1,2]}';
      const res = await send("/v1/echo", post(randomUUID(), raw));
      expect(res.status).toBe(201);
      const body = (await res.json()) as { json: unknown; text: string };
      expect(body.text).toBe(raw);
      expect(body.json).toEqual({ note: "caf\u00e9", n: [1, 2] });
    });

    it(`${name}: invalid JSON rejects in the route with a SyntaxError, and is not stored`, async () => {
      const key = randomUUID();
      const res = await send("/v1/echo", post(key, "{not json"));
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: "SyntaxError", text: "{not json" });
    });

    it(`${name}: a body of many chunks arrives whole, as bytes and as JSON`, async () => {
      const raw = JSON.stringify({ fill: "x".repeat(300_000) });
      const key = randomUUID();
      const res = await send("/v1/bytes", post(key, raw));
      expect(res.status).toBe(201);
      const expected = { length: raw.length, fillLength: 300_000, first: "{".charCodeAt(0) };
      expect(await res.json()).toEqual(expected);
      // Same key, same body: the fingerprint of the whole body matched.
      const replay = await send("/v1/bytes", post(key, raw));
      expect(replay.headers.get("idempotent-replayed")).toBe("true");
      expect(await replay.json()).toEqual(expected);
    });

    it(`${name}: a chunked body (no Content-Length) is read through Hono`, async () => {
      const raw = '{"note":"chunked"}';
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(raw.slice(0, 5)));
          controller.enqueue(new TextEncoder().encode(raw.slice(5)));
          controller.close();
        },
      });
      const init = { ...post(randomUUID(), ""), body: stream, duplex: "half" } as RequestInit;
      const res = await send("/v1/echo", init);
      expect(res.status).toBe(201);
      expect(((await res.json()) as { text: string }).text).toBe(raw);
    });

    it(`${name}: plain response headers are stored and replayed`, async () => {
      const key = randomUUID();
      const first = await send("/v1/echo", post(key, '{"a":1}'));
      const replay = await send("/v1/echo", post(key, '{"a":1}'));
      expect(replay.status).toBe(201);
      expect(replay.headers.get("idempotent-replayed")).toBe("true");
      expect(replay.headers.get("location")).toBe(first.headers.get("location"));
      expect(replay.headers.get("content-type")).toBe("application/json");
      expect(replay.headers.get("x-internal")).toBeNull();
      expect(await replay.json()).toEqual(await first.json());
      const plainKey = randomUUID();
      const plain = await send("/v1/plain", post(plainKey, '{"b":2}'));
      const plainReplay = await send("/v1/plain", post(plainKey, '{"b":2}'));
      expect(plainReplay.headers.get("idempotent-replayed")).toBe("true");
      expect(plainReplay.headers.get("content-type")).toBe("application/json");
      expect(await plainReplay.json()).toEqual(await plain.json());
    });
  }
});

describe("readRequestBody straight from Node's request", () => {
  /** A context as @hono/node-server gives it: the IncomingMessage in env, Hono's body cache. */
  const nodeContext = () => {
    const incoming = Object.assign(new EventEmitter(), { headers: { "content-length": "6" } });
    const c = {
      env: { incoming },
      req: {
        bodyCache: {} as Record<string, unknown>,
        arrayBuffer: () => Promise.reject(new Error("read through Hono")),
      },
    };
    return { incoming, c: c as unknown as Parameters<typeof readRequestBody>[0], cache: c.req.bodyCache };
  };

  it("joins the chunks and leaves the bytes in Hono's body cache", async () => {
    const { incoming, c, cache } = nodeContext();
    const read = readRequestBody(c);
    incoming.emit("data", Buffer.from('{"a"'));
    incoming.emit("data", Buffer.from(":1}"));
    incoming.emit("end");
    incoming.emit("close");
    expect(new TextDecoder().decode(await read)).toBe('{"a":1}');
    expect(new TextDecoder().decode((await cache.arrayBuffer) as ArrayBuffer)).toBe('{"a":1}');
    expect(await cache.json).toEqual({ a: 1 });
  });

  it("rejects when the client is gone before the body is complete, instead of waiting forever", async () => {
    const { incoming, c } = nodeContext();
    const read = readRequestBody(c);
    incoming.emit("data", Buffer.from('{"a"'));
    incoming.emit("close");
    await expect(read).rejects.toThrow(/aborted/);
  });
});
