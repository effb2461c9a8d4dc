import type { Database } from "@org/db";
import { problemErrorHandler } from "@org/problem/hono";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { UsageMetering } from "../metering.js";
import { usageAlertRoutes } from "./alerts-routes.js";
import { usageRoutes } from "./routes.js";

// Every request here is refused before a handler runs: a metering or database call fails the test.
const unreachable = new Proxy({} as UsageMetering & Database, {
  get: (_target, key) => {
    throw new Error(`a refused request reached the handler (${String(key)})`);
  },
});

function app() {
  const a = new Hono();
  a.route("/", usageRoutes({ metering: unreachable, tenantId: () => "ten_1" }));
  a.route("/", usageAlertRoutes({ db: unreachable, metering: unreachable, tenantId: () => "ten_1" }));
  a.onError(problemErrorHandler());
  return a;
}

const send = (method: string, path: string, contentType: string, body: string) =>
  app().request(path, { method, headers: { "content-type": contentType }, body });

describe.each([
  ["POST", "/v1/usage/events", '{"events":[{"id":"a","meter":"tokens"}]}'],
  ["PUT", "/v1/usage/alerts", '{"meters":{}}'],
])("%s %s", (method, path, validBody) => {
  it("answers 415 unsupported_media_type for a body that is not declared JSON", async () => {
    for (const contentType of ["text/plain", "application/x-www-form-urlencoded"]) {
      const res = await send(method, path, contentType, validBody);
      expect(res.status).toBe(415);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(await res.json()).toMatchObject({ code: "unsupported_media_type" });
    }
  });

  it("answers 400 bad_request for malformed JSON", async () => {
    const res = await send(method, path, "application/json", "{");
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "bad_request" });
  });

  it("answers 400 validation_failed listing the issues for an empty body", async () => {
    const res = await send(method, path, "application/json", "");
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { code: string; issues: { path: string }[] };
    expect(problem.code).toBe("validation_failed");
    expect(problem.issues.length).toBeGreaterThan(0);
  });
});

describe("usage routes' own validation", () => {
  it("refuses a batch of events with a wrong field by its path", async () => {
    const res = await send(
      "POST",
      "/v1/usage/events",
      "application/json",
      '{"events":[{"id":"a","quantity":1.5}]}',
    );
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { code: string; issues: { path: string }[] };
    expect(problem.code).toBe("validation_failed");
    expect(problem.issues.map((i) => i.path).sort()).toEqual(["events.0.meter", "events.0.quantity"]);
  });

  it("refuses alert settings with a field it does not know", async () => {
    const res = await send("PUT", "/v1/usage/alerts", "application/json", '{"meters":{"tokens":{"cap":1}}}');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "validation_failed" });
  });

  it("refuses a usage query without a range", async () => {
    const res = await app().request("/v1/usage?meter=tokens&granularity=week");
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { issues: { path: string }[] };
    expect(problem.issues.map((i) => i.path).sort()).toEqual(["from", "granularity", "to"]);
  });
});
