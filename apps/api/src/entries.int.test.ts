import { execFile } from "node:child_process";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { SELF_HOSTED_PLAN } from "@org/platform";
import { createLogger } from "@org/server-kit";
import { serveNode } from "@org/server-kit/hono";
import { createUsageMetering, periodTotals, type UsageMetering } from "@org/usage-metering";
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
    const result = await invokeTenant(handler);
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ slug: "default", plan: "self_hosted" });
  });

  describe("the Lambda handler's per-invocation metering flush", () => {
    // The flush timer never fires during these tests: only the per-invocation flush can store a count.
    let metering: UsageMetering;
    let failNextFlush = false;
    const logLines: string[] = [];
    let handler: ReturnType<typeof createLambdaHandler>;

    /** The organisation's api_calls read from Postgres, not through the metering (which adds its buffer). */
    const storedCalls = async () => {
      const day = 86_400_000;
      const period = { start: Date.now() - day, end: Date.now() + day };
      const totals = await periodTotals(api.deps.db, api.deps.organisation.id, metering.meters.list, period);
      return totals.api_calls ?? 0;
    };

    beforeAll(() => {
      metering = createUsageMetering({
        db: api.deps.db,
        planFor: async () => api.deps.plans.metering(SELF_HOSTED_PLAN),
        flushIntervalMs: 60_000,
      });
      const logger = createLogger({
        service: "api",
        level: "error",
        destination: new Writable({
          write: (chunk, _encoding, done) => {
            logLines.push(String(chunk));
            done();
          },
        }),
      });
      const flush = async () => {
        if (failNextFlush) {
          failNextFlush = false;
          throw new Error("Postgres is not reachable");
        }
        await metering.flush();
      };
      handler = createLambdaHandler(parseEnv({ LOG_LEVEL: "silent" }), async () => ({
        ...api.deps,
        logger,
        metering: { ...metering, flush },
      }));
    });
    afterAll(() => metering?.close());

    it("stores a metered call's api_calls in the database before the handler returns", async () => {
      const before = await storedCalls();
      const result = await invokeTenant(handler);
      expect(result.statusCode).toBe(200);
      expect(await storedCalls()).toBe(before + 1);
      expect(metering.stats().bufferedUnits).toBe(0);
    });

    it("answers when the flush fails, logs it, and the next invocation stores the count it kept", async () => {
      const before = await storedCalls();
      failNextFlush = true;
      const answered = await invokeTenant(handler);
      expect(answered.statusCode).toBe(200);
      expect(JSON.parse(answered.body)).toMatchObject({ slug: "default" });
      expect(await storedCalls()).toBe(before);
      expect(metering.stats().bufferedUnits).toBe(1);
      expect(logLines.some((line) => line.includes("lambda.after_invocation_failed"))).toBe(true);

      expect((await invokeTenant(handler)).statusCode).toBe(200);
      expect(await storedCalls()).toBe(before + 2);
      expect(metering.stats().bufferedUnits).toBe(0);
    });
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

/** GET /v1/tenant with the initial key, as an API Gateway HTTP API (payload 2.0) event. */
async function invokeTenant(handler: ReturnType<typeof createLambdaHandler>) {
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
  return (await handler(event as any, {} as any)) as { statusCode: number; body: string };
}
