import { Hono } from "hono";
import { describe, expect, it } from "vitest";
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
});
