import { Hono } from "hono";
import { describe, expect, it, vi } from "vitest";
import { lazyLambdaHandler } from "./lambda.js";

// A minimal API Gateway HTTP API (payload 2.0) event.
const event = (path: string) =>
  ({
    version: "2.0",
    routeKey: "$default",
    rawPath: path,
    rawQueryString: "",
    headers: { host: "api.example.test" },
    isBase64Encoded: false,
    requestContext: {
      http: { method: "GET", path, protocol: "HTTP/1.1", sourceIp: "203.0.113.7", userAgent: "t" },
      domainName: "api.example.test",
      requestId: "r1",
      routeKey: "$default",
      stage: "$default",
      timeEpoch: 0,
      accountId: "1",
      apiId: "a",
      domainPrefix: "api",
      time: "",
    },
  }) as unknown as Parameters<ReturnType<typeof lazyLambdaHandler>>[0];
const context = {} as Parameters<ReturnType<typeof lazyLambdaHandler>>[1];

describe("lazyLambdaHandler", () => {
  it("builds the app once for concurrent cold calls and reuses it warm", async () => {
    let builds = 0;
    const handler = lazyLambdaHandler(async () => {
      builds++;
      await new Promise((r) => setTimeout(r, 10));
      return new Hono().get("/hi", (c) => c.json({ builds }));
    });
    const results = await Promise.all([handler(event("/hi"), context), handler(event("/hi"), context)]);
    const warm = await handler(event("/hi"), context);
    for (const r of [...results, warm]) {
      expect(r.statusCode).toBe(200);
      expect(JSON.parse(r.body)).toEqual({ builds: 1 });
    }
    expect(builds).toBe(1);
  });

  it("forgets a failed build: the next invocation builds again", async () => {
    let builds = 0;
    const handler = lazyLambdaHandler(async () => {
      if (++builds === 1) throw new Error("database down");
      return new Hono().get("/hi", (c) => c.text("up"));
    });
    await expect(handler(event("/hi"), context)).rejects.toThrow("database down");
    const r = await handler(event("/hi"), context);
    expect(r.body).toBe("up");
    expect(builds).toBe(2);
  });

  it("awaits afterInvocation after the answer is produced and before the handler returns", async () => {
    const steps: string[] = [];
    const handler = lazyLambdaHandler(async () => ({
      app: new Hono().get("/hi", (c) => {
        steps.push("answer");
        return c.text("up");
      }),
      afterInvocation: async () => {
        await new Promise((r) => setTimeout(r, 20));
        steps.push("after");
      },
      logger: { error: vi.fn() },
    }));
    const cold = await handler(event("/hi"), context);
    steps.push("returned");
    const warm = await handler(event("/hi"), context);
    steps.push("returned");
    expect([cold.body, warm.body]).toEqual(["up", "up"]);
    expect(steps).toEqual(["answer", "after", "returned", "answer", "after", "returned"]);
  });

  it("returns the answer and logs the error when afterInvocation rejects", async () => {
    const error = vi.fn();
    const failure = new Error("postgres unreachable");
    let calls = 0;
    const handler = lazyLambdaHandler(async () => ({
      app: new Hono().get("/hi", (c) => c.json({ ok: true }, 201)),
      afterInvocation: async () => {
        if (++calls === 1) throw failure;
      },
      logger: { error },
    }));
    const failed = await handler(event("/hi"), context);
    expect(failed.statusCode).toBe(201);
    expect(JSON.parse(failed.body)).toEqual({ ok: true });
    expect(error).toHaveBeenCalledExactlyOnceWith({ err: failure }, "lambda.after_invocation_failed");

    // The next invocation runs it again.
    const next = await handler(event("/hi"), context);
    expect(next.statusCode).toBe(201);
    expect(calls).toBe(2);
    expect(error).toHaveBeenCalledOnce();
  });

  it("runs afterInvocation even when the app's answer is an error", async () => {
    let after = 0;
    const handler = lazyLambdaHandler(async () => ({
      app: new Hono()
        .get("/boom", () => {
          throw new Error("route failed");
        })
        .onError((_error, c) => c.text("failed", 500)),
      afterInvocation: async () => {
        after++;
      },
      logger: { error: vi.fn() },
    }));
    const result = await handler(event("/boom"), context);
    expect(result.statusCode).toBe(500);
    expect(after).toBe(1);
  });
});
