import { Writable } from "node:stream";
import { problemErrorHandler } from "@org/problem/hono";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../logger.js";
import { bodyLimit } from "./body-limit.js";
import { type RunningServer, serveNode } from "./serve-node.js";

const logger = createLogger({ service: "t", destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const LIMIT = 100;

const app = new Hono();
app.use(bodyLimit(LIMIT));
app.post("/echo", async (c) => c.json({ length: (await c.req.text()).length }, 201));
app.onError(problemErrorHandler());

/** A body sent without Content-Length (chunked), in two pieces. */
const chunked = (text: string) =>
  ({
    method: "POST",
    body: new ReadableStream<Uint8Array>({
      start(controller) {
        const bytes = new TextEncoder().encode(text);
        controller.enqueue(bytes.slice(0, 10));
        controller.enqueue(bytes.slice(10));
        controller.close();
      },
    }),
    duplex: "half",
  }) as RequestInit;

describe("bodyLimit over a real socket", () => {
  let running: RunningServer;
  let url = "";
  beforeAll(async () => {
    running = await serveNode({ fetch: app.fetch, port: 0, hostname: "127.0.0.1", logger, exit: false });
    url = `http://127.0.0.1:${running.port}/echo`;
  });
  afterAll(() => running.shutdown("test"));

  it("passes a declared length within the limit, the route reads it whole", async () => {
    const res = await fetch(url, { method: "POST", body: "x".repeat(LIMIT) });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ length: LIMIT });
  });

  it("refuses a declared length over the limit with 413 problem+json", async () => {
    const res = await fetch(url, { method: "POST", body: "x".repeat(LIMIT + 1) });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: "payload_too_large" });
  });

  it("counts a chunked body: within the limit passes, over it is refused", async () => {
    const ok = await fetch(url, chunked("y".repeat(LIMIT)));
    expect([ok.status, await ok.json()]).toEqual([201, { length: LIMIT }]);
    const over = await fetch(url, chunked("y".repeat(LIMIT * 3)));
    expect(over.status).toBe(413);
    expect(await over.json()).toMatchObject({ code: "payload_too_large" });
  });
});
