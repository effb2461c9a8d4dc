import { Writable } from "node:stream";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createLogger } from "../logger.js";
import { serveNode } from "./serve-node.js";

const silent = createLogger({ service: "t", destination: new Writable({ write: (_c, _e, cb) => cb() }) });

describe("serveNode graceful shutdown", () => {
  it("finishes in-flight requests, then runs onShutdown, then refuses new connections", async () => {
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let arrived!: () => void;
    const requestArrived = new Promise<void>((r) => {
      arrived = r;
    });
    const app = new Hono();
    app.get("/slow", async (c) => {
      arrived();
      await gate;
      order.push("request.done");
      return c.text("finished");
    });
    const running = await serveNode({
      fetch: app.fetch,
      port: 0,
      hostname: "127.0.0.1",
      logger: silent,
      exit: false,
      onShutdown: async () => {
        order.push("onShutdown");
      },
    });
    const inflight = fetch(`http://127.0.0.1:${running.port}/slow`).then((r) => r.text());
    // Shut down only once the request is inside the handler: a fixed sleep races a loaded machine.
    await requestArrived;
    const stopped = running.shutdown("test");
    release();
    expect(await inflight).toBe("finished");
    await stopped;
    expect(order).toEqual(["request.done", "onShutdown"]);
    await expect(fetch(`http://127.0.0.1:${running.port}/slow`)).rejects.toThrow();
  });
});
