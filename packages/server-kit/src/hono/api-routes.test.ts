import { z } from "@hono/zod-openapi";
import { problemErrorHandler } from "@org/problem/hono";
import { describe, expect, it } from "vitest";
import {
  apiDocument,
  apiRoute,
  apiRouter,
  bearer,
  jsonRequest,
  jsonResponse,
  OPTIONAL_IDEMPOTENCY_KEY,
  problemResponses,
} from "./api-routes.js";

const created = z.object({ id: z.string(), name: z.string() });
const createThing = apiRoute({
  method: "post",
  path: "/v1/things",
  security: bearer("things:write"),
  request: {
    headers: OPTIONAL_IDEMPOTENCY_KEY,
    body: jsonRequest(z.object({ name: z.string().default("unnamed") }), false),
  },
  responses: { 201: jsonResponse(created, "Created"), ...problemResponses(400, 415) },
});
const getThing = apiRoute({
  method: "get",
  path: "/v1/things/{id}",
  request: {
    params: z.object({ id: z.string().min(3) }),
    query: z.object({ expand: z.enum(["all", "none"]).default("none") }),
  },
  responses: { 200: jsonResponse(created.extend({ expand: z.string() })), ...problemResponses(400) },
});

function things() {
  const router = apiRouter();
  router.openapi(createThing, (c) => c.json({ id: "t_1", name: c.req.valid("json").name }, 201));
  router.openapi(getThing, (c) =>
    c.json({ id: c.req.valid("param").id, name: "x", expand: c.req.valid("query").expand }, 200),
  );
  router.onError(problemErrorHandler());
  return router;
}

const post = (init: RequestInit) => things().request("/v1/things", { method: "POST", ...init });

describe("apiRouter", () => {
  it("validates the body and answers the handler's typed JSON", async () => {
    const res = await post({ headers: { "content-type": "application/json" }, body: '{"name":"a"}' });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ id: "t_1", name: "a" });
  });

  it("reads an empty JSON body, or none, as {}", async () => {
    const empty = await post({ headers: { "content-type": "application/json" } });
    expect(await empty.json()).toEqual({ id: "t_1", name: "unnamed" });
    const none = await post({});
    expect(none.status).toBe(201);
  });

  it("answers 400 validation_failed problem+json listing the issues", async () => {
    const res = await post({ headers: { "content-type": "application/json" }, body: '{"name":7}' });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const body = (await res.json()) as { code: string; issues: { path: string }[] };
    expect(body.code).toBe("validation_failed");
    expect(body.issues[0]?.path).toBe("name");
  });

  it("answers 400 bad_request for a body that is not JSON, 415 for another media type", async () => {
    const malformed = await post({ headers: { "content-type": "application/json" }, body: "{" });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { code: string }).code).toBe("bad_request");
    const text = await post({ headers: { "content-type": "text/plain" }, body: "name=a" });
    expect(text.status).toBe(415);
    expect(((await text.json()) as { code: string }).code).toBe("unsupported_media_type");
  });

  it("validates params and applies query defaults", async () => {
    expect((await things().request("/v1/things/ab")).status).toBe(400);
    const res = await things().request("/v1/things/abc");
    expect(await res.json()).toEqual({ id: "abc", name: "x", expand: "none" });
  });
});

describe("apiDocument", () => {
  const doc = apiDocument([things()], { title: "things" });

  it("documents each operation with its parameters, body, responses and security", () => {
    const post = doc.paths?.["/v1/things"]?.post;
    expect(post?.security).toEqual([{ bearerAuth: ["things:write"] }]);
    expect(post?.parameters).toEqual([
      expect.objectContaining({ name: "Idempotency-Key", in: "header", required: false }),
    ]);
    expect(Object.keys(post?.responses ?? {}).sort()).toEqual(["201", "400", "415"]);
    const get = doc.paths?.["/v1/things/{id}"]?.get;
    expect(get?.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "id", in: "path", required: true }),
        expect.objectContaining({
          name: "expand",
          in: "query",
          schema: expect.objectContaining({ default: "none" }),
        }),
      ]),
    );
  });

  it("references one Problem schema and declares both security schemes", () => {
    expect(doc.components?.schemas?.Problem).toBeDefined();
    expect(Object.keys(doc.components?.securitySchemes ?? {}).sort()).toEqual(["adminToken", "bearerAuth"]);
  });
});
