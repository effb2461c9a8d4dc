import { problemErrorHandler } from "@org/problem/hono";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { invalidInput, validationProblem } from "./validate.js";

const app = new Hono();
const schema = z.object({ n: z.number(), name: z.string() });
app.get("/invalid", (c) => {
  const parsed = schema.safeParse({ n: "x", name: "a" });
  return parsed.success ? c.json({}) : validationProblem(parsed.error, "req-1");
});
app.get("/thrown", (c) => {
  const parsed = schema.safeParse({});
  if (!parsed.success) throw invalidInput(parsed.error);
  return c.json({});
});
app.onError(problemErrorHandler());

describe("validation problems", () => {
  it("validationProblem answers 400 validation_failed with the zod issues and the request id", async () => {
    const res = await app.request("/invalid");
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; requestId: string; issues: { path: string }[] };
    expect(body.code).toBe("validation_failed");
    expect(body.issues[0]?.path).toBe("n");
    expect(body.requestId).toBe("req-1");
  });

  it("invalidInput is the same problem, thrown: each bad field named in detail and issues", async () => {
    const res = await app.request("/thrown");
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; detail: string; issues: { path: string }[] };
    expect(body.code).toBe("validation_failed");
    expect(body.issues.map((i) => i.path)).toEqual(["n", "name"]);
    expect(body.detail).toMatch(/^n: .*; name: /);
  });
});
