import { Writable } from "node:stream";
import { createLogger } from "@org/server-kit";
import { createUsageMetering, periodTotals, type UsageMetering } from "@org/usage-metering";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE, type CloudHarness, createCloudHarness } from "../test/harness.js";
import type { Deps } from "./deps.js";
import { createLambdaHandler } from "./lambda-handler.js";

type Handler = ReturnType<typeof createLambdaHandler>;
type Event = Parameters<Handler>[0];
interface Result {
  statusCode: number;
  body: string;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
}

const context = {} as Parameters<Handler>[1];

/** An API Gateway HTTP API (payload 2.0) event; `domainName` is the Host the app sees. */
function httpApiEvent(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; domainName?: string; body?: unknown } = {},
): Event {
  const domainName = options.domainName ?? "abc123.execute-api.eu-west-1.amazonaws.com";
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: path,
    rawQueryString: "",
    headers: { host: domainName, ...options.headers },
    requestContext: {
      accountId: "123456789012",
      apiId: "abc123",
      domainName,
      domainPrefix: domainName.split(".")[0]!,
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "203.0.113.7", userAgent: "lambda-test" },
      requestId: `gw-${Math.random().toString(36).slice(2)}`,
      routeKey: "$default",
      stage: "$default",
      time: "23/Nov/2026:12:00:00 +0000",
      timeEpoch: 1_795_000_000_000,
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    isBase64Encoded: false,
  } as unknown as Event;
}

/** An API Gateway REST API (payload 1.0) event. */
function restApiEvent(method: string, path: string, headers: Record<string, string>, body?: unknown): Event {
  const domainName = "abc123.execute-api.eu-west-1.amazonaws.com";
  return {
    resource: "/{proxy+}",
    path,
    httpMethod: method,
    headers: { Host: domainName, ...headers },
    multiValueHeaders: Object.fromEntries(
      Object.entries({ Host: domainName, ...headers }).map(([k, v]) => [k, [v]]),
    ),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { proxy: path.slice(1) },
    stageVariables: null,
    requestContext: {
      accountId: "123456789012",
      apiId: "abc123",
      domainName,
      httpMethod: method,
      path: `/prod${path}`,
      protocol: "HTTP/1.1",
      requestId: `gw-${Math.random().toString(36).slice(2)}`,
      requestTimeEpoch: 1_795_000_000_000,
      resourceId: "res123",
      resourcePath: "/{proxy+}",
      stage: "prod",
      identity: { sourceIp: "203.0.113.7", userAgent: "lambda-test" },
    },
    body: body === undefined ? null : JSON.stringify(body),
    isBase64Encoded: false,
  } as unknown as Event;
}

const header = (result: Result, name: string) =>
  result.headers?.[name] ?? result.multiValueHeaders?.[name]?.[0];

describe("cloud-api's Lambda handler (API Gateway events)", () => {
  let h: CloudHarness;
  let builds = 0;
  let handler: Handler;
  const invoke = async (event: Event) => (await handler(event, context)) as Result;

  beforeAll(async () => {
    h = await createCloudHarness();
    // The real deps stand for what buildDeps(env) would open on a cold start; count the builds.
    handler = createLambdaHandler(h.deps.env, async (): Promise<Deps> => {
      builds += 1;
      return h.deps;
    });
  });
  afterAll(() => h?.close());

  it("builds the dependencies once: on the cold invocation, not on warm ones", async () => {
    expect(builds).toBe(0);
    const [cold, concurrent] = await Promise.all([
      invoke(httpApiEvent("GET", "/health")),
      invoke(httpApiEvent("GET", "/health")),
    ]);
    expect(builds).toBe(1);
    const warm = await invoke(httpApiEvent("GET", "/health"));
    expect(builds).toBe(1);
    for (const result of [cold, concurrent, warm]) {
      expect(result.statusCode).toBe(200);
      expect(header(result, "x-request-id")).toMatch(/^req_/);
    }
  });

  it("signs up through a REST API event, then answers GET /v1/tenant with the new key", async () => {
    const signup = await invoke(
      restApiEvent(
        "POST",
        "/v1/tenants",
        { "Content-Type": "application/json", "Idempotency-Key": "lambda-signup-1" },
        { name: "Lambda Co", slug: "lambda", email: "owner@lambda.test", plan: "free" },
      ),
    );
    expect(signup.statusCode).toBe(201);
    expect(header(signup, "content-type")).toMatch(/^application\/json/);
    const created = JSON.parse(signup.body) as { tenant: { id: string }; apiKey: { secret: string } };

    const auth = { authorization: `Bearer ${created.apiKey.secret}` };
    const own = await invoke(httpApiEvent("GET", "/v1/tenant", { headers: auth }));
    expect(own.statusCode).toBe(200);
    expect(JSON.parse(own.body)).toMatchObject({
      id: created.tenant.id,
      slug: "lambda",
      name: "Lambda Co",
      plan: "free",
      status: "active",
    });
    expect(header(own, "ratelimit-policy")).toBe('"free";q=20;w=2');

    // A custom domain on API Gateway: domainName is the Host, and the subdomain must agree with the key.
    const onOwnHost = await invoke(
      httpApiEvent("GET", "/v1/tenant", { headers: auth, domainName: `lambda.${BASE}` }),
    );
    expect(onOwnHost.statusCode).toBe(200);
    const onOtherHost = await invoke(
      httpApiEvent("GET", "/v1/tenant", { headers: auth, domainName: `someone-else.${BASE}` }),
    );
    // A subdomain naming no tenant is not found, whatever the key says.
    expect(onOtherHost.statusCode).toBe(404);
    expect(header(onOtherHost, "content-type")).toBe("application/problem+json");
    expect(JSON.parse(onOtherHost.body)).toMatchObject({ status: 404, code: "tenant_not_found" });
    expect(builds).toBe(1);
  });

  it("answers 401 problem+json without credentials", async () => {
    const result = await invoke(httpApiEvent("GET", "/v1/tenant"));
    expect(result.statusCode).toBe(401);
    expect(header(result, "content-type")).toBe("application/problem+json");
    expect(header(result, "www-authenticate")).toBe('Bearer realm="api"');
    expect(JSON.parse(result.body)).toMatchObject({
      status: 401,
      code: "unauthorized",
      title: "Authentication required",
      requestId: expect.stringMatching(/^req_/),
    });
  });

  it("retries the build on the next invocation when a cold build fails", async () => {
    let attempts = 0;
    const flaky = createLambdaHandler(h.deps.env, async () => {
      attempts += 1;
      if (attempts === 1) throw new Error("Postgres is not reachable yet");
      return h.deps;
    });
    await expect(flaky(httpApiEvent("GET", "/health"), context)).rejects.toThrow(/not reachable/);
    const result = (await flaky(httpApiEvent("GET", "/health"), context)) as Result;
    expect(result.statusCode).toBe(200);
    expect(attempts).toBe(2);
  });

  describe("the per-invocation metering flush", () => {
    // The flush timer never fires during the test: only the per-invocation flush can store a count.
    let metering: UsageMetering;
    let failNextFlush = false;
    const logLines: string[] = [];
    let flushing: Handler;
    const invokeFlushing = async (event: Event) => (await flushing(event, context)) as Result;

    /** The tenant's api_calls read from Postgres, not through the metering (which adds its buffer). */
    const storedCalls = async (tenantId: string) => {
      const day = 86_400_000;
      const period = { start: Date.now() - day, end: Date.now() + day };
      return (await periodTotals(h.deps.db, tenantId, metering.meters.list, period)).api_calls ?? 0;
    };

    beforeAll(async () => {
      metering = createUsageMetering({
        db: h.deps.db,
        planFor: async (tenantId) =>
          h.deps.plans.metering(
            (await h.deps.tenantCache.byId(tenantId))?.plan ?? h.deps.catalog.defaultPlan.id,
          ),
        flushIntervalMs: 60_000,
      });
      const logger = createLogger({
        service: "cloud-api",
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
      flushing = createLambdaHandler(
        h.deps.env,
        async (): Promise<Deps> => ({ ...h.deps, logger, metering: { ...metering, flush } }),
      );
    });
    afterAll(() => metering?.close());

    it("stores a metered call's api_calls in Postgres before the handler returns", async () => {
      const signup = await invokeFlushing(
        restApiEvent(
          "POST",
          "/v1/tenants",
          { "Content-Type": "application/json", "Idempotency-Key": "lambda-flush-signup" },
          { name: "Flush Co", slug: "flush", email: "owner@flush.test", plan: "free" },
        ),
      );
      expect(signup.statusCode).toBe(201);
      const created = JSON.parse(signup.body) as { tenant: { id: string }; apiKey: { secret: string } };
      const before = await storedCalls(created.tenant.id);

      const auth = { authorization: `Bearer ${created.apiKey.secret}` };
      const own = await invokeFlushing(httpApiEvent("GET", "/v1/tenant", { headers: auth }));
      expect(own.statusCode).toBe(200);
      expect(await storedCalls(created.tenant.id)).toBe(before + 1);
      expect(metering.stats().bufferedUnits).toBe(0);
    });

    it("answers when the flush fails, logs it, and the next invocation stores the count it kept", async () => {
      const signup = await invokeFlushing(
        restApiEvent(
          "POST",
          "/v1/tenants",
          { "Content-Type": "application/json", "Idempotency-Key": "lambda-flush-signup-2" },
          { name: "Outage Co", slug: "outage", email: "owner@outage.test", plan: "free" },
        ),
      );
      const created = JSON.parse(signup.body) as { tenant: { id: string }; apiKey: { secret: string } };
      const auth = { authorization: `Bearer ${created.apiKey.secret}` };
      const before = await storedCalls(created.tenant.id);

      failNextFlush = true;
      const answered = await invokeFlushing(httpApiEvent("GET", "/v1/tenant", { headers: auth }));
      expect(answered.statusCode).toBe(200);
      expect(JSON.parse(answered.body)).toMatchObject({ id: created.tenant.id, slug: "outage" });
      expect(await storedCalls(created.tenant.id)).toBe(before);
      expect(metering.stats().bufferedUnits).toBe(1);
      expect(logLines.some((line) => line.includes("lambda.after_invocation_failed"))).toBe(true);

      const next = await invokeFlushing(httpApiEvent("GET", "/v1/tenant", { headers: auth }));
      expect(next.statusCode).toBe(200);
      expect(await storedCalls(created.tenant.id)).toBe(before + 2);
      expect(metering.stats().bufferedUnits).toBe(0);
    });
  });
});
