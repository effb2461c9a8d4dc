import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { describe, expect, it } from "vitest";
import { codeToStatus, errorCode } from "../codes.js";
import { problemErrorHandler, problemNotFound } from "./error-handler.js";
import { ProblemError } from "./problem-error.js";

function app() {
  const unexpected: unknown[] = [];
  const a = new Hono();
  a.use(requestId());
  a.get("/problem", () => {
    throw new ProblemError("rate_limited", { detail: "slow down", headers: { "Retry-After": "2" } });
  });
  a.get("/http", () => {
    throw new HTTPException(401, { message: "no token" });
  });
  a.get("/boom", () => {
    throw new Error("secret stack detail");
  });
  a.onError(problemErrorHandler({ onUnexpected: (e) => unexpected.push(e) }));
  a.notFound(problemNotFound);
  return { a, unexpected };
}

describe("problem+json", () => {
  it("gives every code a status", () => {
    for (const code of errorCode.options) expect(codeToStatus[code]).toBeGreaterThanOrEqual(400);
  });

  it("renders a ProblemError with its status, headers, code and the request id", async () => {
    const res = await app().a.request("/problem", { headers: { "X-Request-Id": "req_1" } });
    expect(res.status).toBe(429);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.headers.get("retry-after")).toBe("2");
    expect(await res.json()).toMatchObject({
      code: "rate_limited",
      status: 429,
      detail: "slow down",
      requestId: "req_1",
    });
  });

  it("maps a plain HTTPException to a code", async () => {
    const res = await app().a.request("/http");
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: "unauthorized", detail: "no token" });
  });

  it("answers an unexpected error with a 500 that leaks nothing", async () => {
    const { a, unexpected } = app();
    const res = await a.request("/boom");
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain("secret stack detail");
    expect(text).not.toContain("at ");
    expect(JSON.parse(text)).toMatchObject({ code: "internal_error" });
    expect(unexpected).toHaveLength(1);
  });

  it("answers unknown routes with a problem 404", async () => {
    const res = await app().a.request("/nope");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: "not_found" });
  });
});
