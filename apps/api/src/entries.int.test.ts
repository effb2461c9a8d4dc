import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { serveNode } from "@org/server-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, INITIAL_KEY, type TestApi } from "../test/setup.js";
import { parseEnv } from "./env.js";
import { createLambdaHandler } from "./lambda-handler.js";

const run = promisify(execFile);

describe("entries other than app.request", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(() => api?.close());

  it("serves over a real socket", async () => {
    const server = await serveNode({
      fetch: api.app.fetch,
      port: 0,
      hostname: "127.0.0.1",
      logger: api.deps.logger,
      exit: false,
    });
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/v1/tenant`, { headers: api.auth });
      expect(res.status).toBe(200);
      expect(res.headers.get("x-request-id")).toMatch(/^req_/);
      expect(await res.json()).toMatchObject({ slug: "default" });
    } finally {
      await server.shutdown("test");
    }
  });

  it("answers an API Gateway event through the Lambda handler", async () => {
    const handler = createLambdaHandler(parseEnv({ LOG_LEVEL: "silent" }), async () => api.deps);
    const event = {
      version: "2.0",
      routeKey: "$default",
      rawPath: "/v1/tenant",
      rawQueryString: "",
      headers: { authorization: `Bearer ${INITIAL_KEY}`, host: "abc.execute-api.eu-west-1.amazonaws.com" },
      requestContext: {
        accountId: "123456789012",
        apiId: "abc",
        domainName: "abc.execute-api.eu-west-1.amazonaws.com",
        domainPrefix: "abc",
        http: {
          method: "GET",
          path: "/v1/tenant",
          protocol: "HTTP/1.1",
          sourceIp: "203.0.113.7",
          userAgent: "test",
        },
        requestId: "lambda-req-1",
        routeKey: "$default",
        stage: "$default",
        time: "23/Nov/2026:12:00:00 +0000",
        timeEpoch: 1_795_000_000_000,
      },
      isBase64Encoded: false,
    };
    // biome-ignore lint/suspicious/noExplicitAny: a hand-written API Gateway v2 event
    const result = (await handler(event as any, {} as any)) as { statusCode: number; body: string };
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ slug: "default", plan: "self_hosted" });
  });

  it("creates a working key from the CLI", async (ctx) => {
    // The CLI is another process: it needs a database server (an in-memory PGlite has none).
    if (!api.t.url) ctx.skip();
    const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
    const { stdout } = await run(process.execPath, [cli, "create-key", "from-cli"], {
      env: { ...process.env, DATABASE_URL: api.t.url!, LOG_LEVEL: "silent", INITIAL_API_KEY: INITIAL_KEY },
    });
    const created = JSON.parse(stdout) as { secret: string; name: string };
    expect(created.name).toBe("from-cli");
    const res = await api.app.request("/v1/tenant", {
      headers: { Authorization: `Bearer ${created.secret}` },
    });
    expect(res.status).toBe(200);
  });
});
