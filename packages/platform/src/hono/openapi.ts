/**
 * @module /openapi.json built from the routes' own declarations, with the answers of the request
 * pipeline that sits in front of them, and a /docs page.
 */
import { apiDocument, mountApiDocs, type OpenApiDocument } from "@org/server-kit/hono";
import type { Env, Hono } from "hono";

type Router = Parameters<typeof apiDocument>[0][number];
type Operation = NonNullable<NonNullable<OpenApiDocument["paths"]>[string]["get"]>;

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
});

/** What the pipeline of `mountV1` answers before a tenant route runs. */
const TENANT_PIPELINE = {
  400: problem("Invalid request"),
  401: problem("Missing or invalid credentials (`unauthorized`)"),
  402: problem("Spend cap reached (`payment_required`)"),
  403: problem("`insufficient_scope`, `tenant_suspended` or `tenant_mismatch`"),
  404: problem("No tenant at this address (`tenant_not_found`)"),
  429: problem("Rate limited (`rate_limited`) or quota used up (`quota_exceeded`)"),
};
/** What the Idempotency-Key middleware answers. */
const IDEMPOTENCY = {
  400: problem("Invalid or missing Idempotency-Key"),
  409: problem("The first request with this key is still running (`idempotency_key_in_use`)"),
  422: problem("The key was used with another request (`idempotency_key_mismatch`)"),
  503: problem("The idempotency store is unavailable; retry (`idempotency_store_unavailable`)"),
};
/** What the body limit and the media-type check answer. */
const BODY = {
  413: problem("Body too large (`payload_too_large`)"),
  415: problem("Body is not JSON (`unsupported_media_type`)"),
};
/** Signup is public but limited per client address. */
const PUBLIC_LIMIT = { 429: problem("Too many requests from this address (`rate_limited`)") };

const hasSecurity = (op: Operation, scheme: string) =>
  (op.security ?? []).some((requirement) => scheme in requirement);
const hasIdempotencyKey = (op: Operation) =>
  (op.parameters ?? []).some((p) => "name" in p && p.name === "Idempotency-Key");

/** The pipeline's answers an operation can get, under the route's own (the route's win). */
function withPipelineAnswers(path: string, op: Operation): Operation {
  const pipeline = {
    ...(hasSecurity(op, "bearerAuth") ? TENANT_PIPELINE : {}),
    ...(hasSecurity(op, "adminToken") ? { 401: problem("Missing or wrong admin token") } : {}),
    ...(!op.security?.length && path.startsWith("/v1/") ? PUBLIC_LIMIT : {}),
    ...(hasIdempotencyKey(op) ? IDEMPOTENCY : {}),
    ...(op.requestBody ? BODY : {}),
  };
  return { ...op, responses: { ...pipeline, ...op.responses } };
}

/**
 * The OpenAPI 3.1 document of the v1 contract: every operation the routers declare (request and
 * response schemas, scopes), plus the problem answers of the pipeline in front of them.
 *
 * @example
 * const { routers } = mountV1(app, deps, options);
 * openApiDocument(routers, { title: "cloud-api" });
 */
export function openApiDocument(routers: readonly Router[], options: { title: string }): OpenApiDocument {
  const doc = apiDocument(routers, options);
  const paths: NonNullable<OpenApiDocument["paths"]> = {};
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    const methods = { ...item };
    for (const method of ["get", "put", "post", "delete", "patch"] as const) {
      const op = methods[method];
      if (op) methods[method] = withPipelineAnswers(path, op);
    }
    paths[path] = methods;
  }
  return { ...doc, paths };
}

/**
 * Serves `/openapi.json` (see {@link openApiDocument}) and `/docs`.
 *
 * @example
 * mountOpenApi(app, mountV1(app, deps, options).routers, { title: "api" });
 */
export function mountOpenApi<E extends Env>(
  app: Hono<E>,
  routers: readonly Router[],
  options: { title: string },
): void {
  mountApiDocs(app, openApiDocument(routers, options));
}
