import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { type ConformanceDocument, checkAnswers, responseConformance } from "./response-conformance.js";

const doc: ConformanceDocument = {
  paths: {
    "/v1/things/{id}": {
      get: {
        responses: {
          200: {
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  required: ["id", "at"],
                  properties: { id: { type: "string" }, at: { type: "string", format: "date-time" } },
                },
              },
            },
          },
          404: {
            content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
          },
        },
      },
    },
    "/v1/things/count": {
      get: { responses: { 200: { content: { "application/json": { schema: { type: "integer" } } } } } },
    },
  },
  components: {
    schemas: { Problem: { type: "object", required: ["code"], properties: { code: { type: "string" } } } },
  },
};

const answer = (over: Partial<Parameters<ReturnType<typeof responseConformance>["check"]>[0]>) => ({
  method: "GET",
  path: "/v1/things/t_1",
  status: 200,
  contentType: "application/json",
  body: '{"id":"t_1","at":"2026-01-01T00:00:00.000Z"}',
  ...over,
});

describe("responseConformance", () => {
  const conformance = responseConformance(doc);

  it("accepts an answer with a declared status and a body of its schema", () => {
    expect(conformance.check(answer({}))).toBeUndefined();
    expect(conformance.check(answer({ path: "/v1/things/count", body: "3" }))).toBeUndefined();
  });

  it("names an undeclared status", () => {
    expect(conformance.check(answer({ status: 409 }))).toMatch(/status 409 is not declared/);
  });

  it("names a body that differs from the schema, through component refs and formats", () => {
    expect(conformance.check(answer({ body: '{"id":"t_1","at":"yesterday"}' }))).toMatch(
      /\/at must match format/,
    );
    expect(
      conformance.check(answer({ status: 404, contentType: "application/problem+json", body: "{}" })),
    ).toMatch(/must have required property 'code'/);
  });

  it("names an undeclared content type", () => {
    expect(conformance.check(answer({ contentType: "text/plain" }))).toMatch(/content type text\/plain/);
  });

  it("prefers a concrete path to a template and ignores undocumented operations", () => {
    expect(conformance.check(answer({ path: "/v1/things/count", body: "{}" }))).toMatch(/must be integer/);
    expect(conformance.check(answer({ path: "/health", status: 500 }))).toBeUndefined();
  });
});

describe("checkAnswers", () => {
  it("collects every answer of app.request that differs from the app's /openapi.json", async () => {
    const app = new Hono();
    app.get("/openapi.json", (c) => c.json(doc));
    app.get("/v1/things/:id", (c) =>
      c.req.param("id") === "bad" ? c.json({ id: 1 }) : c.json({ id: "t_1", at: new Date().toISOString() }),
    );
    const answers = checkAnswers(app);
    expect((await app.request("/v1/things/t_1")).status).toBe(200);
    expect(answers.violations).toEqual([]);
    await app.request("/v1/things/bad");
    expect(answers.violations).toHaveLength(1);
    expect(() => answers.assertNone()).toThrow(/GET \/v1\/things\/bad -> 200/);
  });
});
