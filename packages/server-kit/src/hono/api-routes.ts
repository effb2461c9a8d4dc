/**
 * @module The one way a route is declared: `@hono/zod-openapi` routes whose request and response
 * schemas validate the request, type the handler and write the OpenAPI document.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Env, MiddlewareHandler } from "hono";
import { validationProblem } from "./validate.js";

type RouteConfig = Parameters<typeof createRoute>[0];

/**
 * A router whose invalid requests answer 400 `validation_failed` (problem+json listing the zod
 * issues) instead of the library's default body.
 *
 * @example
 * const router = apiRouter();
 * router.openapi(route, (c) => c.json({ ok: true }, 200));
 */
export function apiRouter<E extends Env = Env>(): OpenAPIHono<E> {
  return new OpenAPIHono<E>({
    defaultHook: (result, c) => {
      if (result.success) return;
      const requestId = (c.get as (key: string) => unknown)("requestId");
      return validationProblem(result.error, typeof requestId === "string" ? requestId : undefined);
    },
  });
}

/**
 * A JSON body that is empty reads as `{}`: a bare POST with
 * `Content-Type: application/json` and no body is accepted by routes whose fields are all optional.
 */
const emptyJsonBodyAsObject: MiddlewareHandler = async (c, next) => {
  if (/^application\/([\w.-]+\+)?json/i.test(c.req.header("content-type") ?? "")) {
    if ((await c.req.text()).trim() === "")
      (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve("{}");
  }
  await next();
};

/**
 * `createRoute()` for every route of the platform: a route with a JSON body also reads an empty
 * body as `{}` (see {@link emptyJsonBodyAsObject}).
 *
 * @example
 * const route = apiRoute({ method: "get", path: "/v1/tenant", responses: { 200: jsonResponse(view) } });
 */
export function apiRoute<const R extends RouteConfig>(
  config: R,
): ReturnType<typeof createRoute<R["path"], R>> {
  if (!config.request?.body) return createRoute(config);
  const own = config.middleware === undefined ? [] : [config.middleware].flat();
  return createRoute({ ...config, middleware: [emptyJsonBodyAsObject, ...own] }) as ReturnType<
    typeof createRoute<R["path"], R>
  >;
}

/** The RFC 9457 problem every error answers with; `code` is stable, the rest is for people. */
export const problemSchema = z
  .looseObject({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    code: z.string(),
    requestId: z.string().optional(),
  })
  .openapi("Problem");

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: "Invalid request (`validation_failed`, `bad_request`)",
  401: "Missing or invalid credentials",
  402: "Quota or spend cap reached (`payment_required`, `quota_exceeded`)",
  403: "Not allowed (`forbidden`, `insufficient_scope`, `tenant_suspended`)",
  404: "Not found",
  409: "Conflict",
  413: "Body too large",
  415: "Body is not JSON",
  422: "Idempotency-Key reused with another request",
  429: "Rate limited",
  501: "Not configured on this deployment",
  502: "An upstream service (Stripe) failed",
  503: "A dependency is unavailable; retry later",
};

/** One problem+json response object. */
function problemResponse(description: string) {
  return {
    description,
    content: { "application/problem+json": { schema: problemSchema } },
  } as const;
}

/**
 * Problem+json responses for the given statuses, to spread into a route's `responses`.
 *
 * @example
 * responses: { 200: jsonResponse(view), ...problemResponses(400, 404) }
 */
export function problemResponses<const S extends readonly number[]>(
  ...statuses: S
): { [K in S[number]]: ReturnType<typeof problemResponse> } {
  return Object.fromEntries(
    statuses.map((status) => [status, problemResponse(PROBLEM_DESCRIPTIONS[status] ?? "Problem")]),
  ) as { [K in S[number]]: ReturnType<typeof problemResponse> };
}

/** A JSON response object. */
export function jsonResponse<S extends z.ZodType>(schema: S, description = "OK") {
  return { description, content: { "application/json": { schema } } } as const;
}

/** A JSON request body; `required` when the schema has a required field. */
export function jsonRequest<S extends z.ZodType>(schema: S, required = true) {
  return { content: { "application/json": { schema } }, required } as const;
}

/**
 * Security requirement of a tenant route: an API key or a JWT as a bearer token, holding `scope`.
 * The platform enforces the scope declared here (403 `insufficient_scope`).
 *
 * @example
 * apiRoute({ method: "get", path: "/v1/usage", security: bearer("usage:read"), ... });
 */
export function bearer(scope: string): { bearerAuth: string[] }[] {
  return [{ bearerAuth: [scope] }];
}
/** Security requirement of operator routes: the ADMIN_TOKEN as a bearer token. */
export const ADMIN_SECURITY = [{ adminToken: [] }];

// Its form (at most 255 characters, optionally an sf-string) is the idempotency middleware's to judge:
// it answers 400 `idempotency_key_invalid`, a code clients rely on.
const idempotencyKey = z.string();
/** The `Idempotency-Key` header of a route that accepts one. */
export const OPTIONAL_IDEMPOTENCY_KEY = z.object({
  "Idempotency-Key": idempotencyKey.optional().openapi({
    param: { name: "Idempotency-Key", in: "header" },
    description: "Makes a retry of this request answer like the first (24 h).",
  }),
});
/** The `Idempotency-Key` header of a route that demands one. */
export const REQUIRED_IDEMPOTENCY_KEY = z.object({
  "Idempotency-Key": idempotencyKey.openapi({
    param: { name: "Idempotency-Key", in: "header" },
    description: "Makes a retry of this request answer like the first (24 h).",
  }),
});

/** An OpenAPI 3.1 document as served at `/openapi.json`. */
export type OpenApiDocument = ReturnType<OpenAPIHono["getOpenAPI31Document"]>;

export interface ApiDocumentOptions {
  title: string;
  version?: string;
  description?: string;
}

/**
 * The OpenAPI 3.1 document of `routers`: every operation they declare, with the bearer and admin
 * security schemes.
 *
 * @example
 * mountApiDocs(app, apiDocument([intakeRouter], { title: "webhook-worker" }));
 */
export function apiDocument(
  routers: readonly Pick<OpenAPIHono, "openAPIRegistry">[],
  options: ApiDocumentOptions,
): OpenApiDocument {
  const root = new OpenAPIHono();
  for (const router of routers) root.route("/", router as unknown as OpenAPIHono);
  // Registered whether or not a route answers a problem: callers may add problem answers of their own.
  root.openAPIRegistry.register("Problem", problemSchema);
  root.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "An API key (`sk_...`) or a JWT",
  });
  root.openAPIRegistry.registerComponent("securitySchemes", "adminToken", {
    type: "http",
    scheme: "bearer",
    description: "The operator's ADMIN_TOKEN",
  });
  return root.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: options.title,
      version: options.version ?? "1.0.0",
      ...(options.description ? { description: options.description } : {}),
    },
  });
}
