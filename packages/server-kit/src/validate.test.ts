import { problemErrorHandler } from "@org/problem";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { jsonBody, queryOf, validationProblem } from "./validate.js";

const app = new Hono();
app.post("/body", async (c) =>
  c.json(await jsonBody(c, z.object({ name: z.string().default("anon"), n: z.number().optional() }))),
);
app.get("/query", (c) => c.json(queryOf(c, z.object({ limit: z.coerce.number().int().max(10) }))));
app.get("/invalid", (c) => {
  const parsed = z.object({ n: z.number() }).safeParse({ n: "x" });
  return parsed.success ? c.json({}) : validationProblem(parsed.error, "req-1");
});
app.onError(problemErrorHandler());

describe("jsonBody and queryOf", () => {
  it("parse valid input, reading an empty body as {}", async () => {
    expect(await (await app.request("/body", { method: "POST", body: '{"name":"x","n":1}' })).json()).toEqual(
      { name: "x", n: 1 },
    );
    expect(await (await app.request("/body", { method: "POST" })).json()).toEqual({ name: "anon" });
    expect(await (await app.request("/query?limit=3")).json()).toEqual({ limit: 3 });
  });

  it("answer 400 bad_request for a body that is not JSON", async () => {
    const res = await app.request("/body", { method: "POST", body: "{nope" });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "bad_request" });
  });

  it("answer 400 validation_failed naming each bad field", async () => {
    const res = await app.request("/body", { method: "POST", body: '{"n":"one"}' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; issues: { path: string }[] };
    expect(body.code).toBe("validation_failed");
    expect(body.issues.map((i) => i.path)).toEqual(["n"]);
    const query = await app.request("/query?limit=99");
    expect(await query.json()).toMatchObject({ code: "validation_failed", issues: [{ path: "limit" }] });
  });

  it("validationProblem answers 400 validation_failed with the zod issues and the request id", async () => {
    const res = await app.request("/invalid");
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; requestId: string; issues: { path: string }[] };
    expect(body.code).toBe("validation_failed");
    expect(body.issues[0]?.path).toBe("n");
    expect(body.requestId).toBe("req-1");
  });
});
