import { ProblemError, problemErrorHandler } from "@org/problem/hono";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createRateLimiter } from "../limiter.js";
import { createMemoryStore } from "../memory-store.js";
import { createPolicy } from "../policy.js";
import { failureLimit } from "./failure-limit.js";

const GOOD = "Bearer good";

function setup() {
  const now = { ms: 0 };
  const limiter = createRateLimiter({
    store: createMemoryStore({ clock: () => now.ms }),
    clock: () => now.ms,
  });
  const policy = createPolicy({ name: "auth_failures", rate: 1, periodMs: 60_000, burst: 3 });
  const checked: string[] = [];
  const app = new Hono();
  app.onError(problemErrorHandler());
  app.use(
    "/v1/*",
    failureLimit({ limiter, key: (c) => c.req.header("x-client"), policy, now: () => now.ms }),
  );
  app.get("/v1/thing", (c) => {
    checked.push(c.req.header("x-client") ?? "");
    if (c.req.header("authorization") !== GOOD) throw new ProblemError("unauthorized");
    return c.json({ ok: true });
  });
  const call = (client: string, authorization = "Bearer bad") =>
    app.request("/v1/thing", { headers: { "x-client": client, authorization } });
  return { now, call, checked };
}

describe("failureLimit", () => {
  it("refuses a client after its burst of failures, before its credentials are checked again", async () => {
    const { call, checked } = setup();
    for (let i = 0; i < 20; i++) expect((await call("a", GOOD)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await call("a")).status).toBe(401);
    const refused = await call("a");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ code: "rate_limited" });
    const before = checked.length;
    // Even good credentials wait now, and are not looked at.
    expect((await call("a", GOOD)).status).toBe(429);
    expect(checked.length).toBe(before);
    // Another client is not affected.
    expect((await call("b")).status).toBe(401);
    expect((await call("b", GOOD)).status).toBe(200);
  });

  it("lets the client in again once the policy has refilled", async () => {
    const { call, now } = setup();
    for (let i = 0; i < 4; i++) await call("a");
    expect((await call("a", GOOD)).status).toBe(429);
    now.ms += 60_000;
    expect((await call("a", GOOD)).status).toBe(200);
  });
});
