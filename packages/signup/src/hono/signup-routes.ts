/** @module POST /v1/tenants: the signup endpoint, behind a required Idempotency-Key. */
import { type OpenAPIHono, type RouteConfig, z } from "@hono/zod-openapi";
import type { IdempotencyStore } from "@org/idempotency";
import { idempotency, markSensitiveFields } from "@org/idempotency/hono";
import { tenantView } from "@org/multitenancy";
import { slugFromHost, tenantViewSchema } from "@org/multitenancy/hono";
import type { ErrorCode } from "@org/problem";
import { ProblemError } from "@org/problem/hono";
import {
  apiRoute,
  apiRouter,
  jsonRequest,
  jsonResponse,
  problemResponses,
  REQUIRED_IDEMPOTENCY_KEY,
  requestHeader,
} from "@org/server-kit/hono";
import type { MiddlewareHandler } from "hono";
import type { Signup, SignupFailureReason } from "../signup.js";

/**
 * Options of {@link signupRoutes}.
 *
 * @example
 * signupRoutes({ signup, idempotencyStore: createPostgresStore({ db }) });
 */
export interface SignupRoutesOptions {
  signup: Signup;
  /**
   * Where Idempotency-Key records live (`@org/idempotency`'s Postgres or Redis store): the route
   * mounts `idempotency({ store, required: true })`, so a retry is answered with the first
   * response (the same tenant and API key) and a concurrent duplicate with 409.
   */
  idempotencyStore?: IdempotencyStore;
  /** A ready-made Idempotency-Key middleware instead of `idempotencyStore` (it must require the key). */
  idempotency?: MiddlewareHandler;
  /** When set, a Host naming a tenant (`{slug}.{baseDomain}`) does not serve signup (404). */
  baseDomain?: string;
}

/**
 * The problem code of each refusal; their statuses come from @org/problem's code table. A signup
 * whose pending tenant was taken over answers 409 `conflict`: the request may be retried as is.
 */
const REFUSAL_CODES: Record<SignupFailureReason, ErrorCode> = {
  slug_invalid: "slug_invalid",
  plan_not_found: "plan_not_found",
  plan_not_sold: "plan_not_found",
  slug_taken: "slug_taken",
  signup_claimed: "conflict",
  billing_failed: "stripe_error",
  step_failed: "service_unavailable",
};

/**
 * 503 of `POST /v1/tenants`: a step failed on an outage and was compensated (or is held for this
 * request), or the idempotency store is unavailable. Both say when to retry.
 */
const SIGNUP_UNAVAILABLE = {
  ...problemResponses(503)[503],
  description:
    "A service signup depends on failed; what the signup had done was undone (`service_unavailable`), or the idempotency store is unavailable (`idempotency_store_unavailable`). Retry the same request after `Retry-After`.",
  headers: {
    "Retry-After": {
      description: "Seconds until a retry of the same request (same Idempotency-Key and body) can succeed",
      schema: { type: "integer", minimum: 1 },
    },
  },
} as const;

/**
 * The body of `POST /v1/tenants`.
 *
 * @example
 * const input = signupBody.parse({ name: "Acme", slug: "acme", email: "ops@acme.test", plan: "free" });
 */
export const signupBody = z.object({
  name: z.string().trim().min(1).max(200),
  slug: z.string().min(1).max(100).openapi({ description: "The tenant's subdomain", example: "acme" }),
  email: z.email().max(320),
  plan: z.string().min(1).max(64).openapi({ example: "free" }),
  interval: z.enum(["month", "year"]).default("month"),
});

/**
 * The 201 body of `POST /v1/tenants`: the tenant and its first API key, whose secret is shown this once.
 *
 * @example
 * const { tenant, apiKey, checkoutUrl } = signupResponseSchema.parse(await res.json());
 */
export const signupResponseSchema = z
  .object({
    tenant: tenantViewSchema,
    apiKey: z.object({
      id: z.string().openapi({ example: "key_5HqT2vLx9sRb0nWc4mZa" }),
      secret: z.string().nullable().openapi({
        description:
          "The first API key, shown once: only its hash is stored. `null` when an Idempotency-Key replay answers.",
      }),
    }),
    checkoutUrl: z
      .string()
      .optional()
      .openapi({ description: "Present for a paid plan: where the owner completes the subscription" }),
  })
  .openapi("SignupResponse");

/** The 201 body of `POST /v1/tenants`. */
export type SignupResponse = z.infer<typeof signupResponseSchema>;

/** `POST /v1/tenants` (public); {@link signupRoutes} adds its host check and Idempotency-Key middleware. */
const signupRouteConfig = {
  method: "post",
  path: "/v1/tenants",
  tags: ["signup"],
  summary:
    "Sign up an organisation (Idempotency-Key required): the tenant, its first API key (shown once), the checkout URL of a paid plan",
  request: { headers: REQUIRED_IDEMPOTENCY_KEY, body: jsonRequest(signupBody) },
  responses: {
    201: jsonResponse(signupResponseSchema, "Created"),
    // 400 `slug_invalid`/`plan_not_found` (also for a plan not sold at the interval), 404 on a
    // tenant's host, 409 `slug_taken` or `conflict` (the signup was taken over: retry),
    // 502 `stripe_error` when the payment provider failed (nothing was created),
    // 503 `service_unavailable` with Retry-After when a step failed for another reason (the
    // database, Redis, the identity provider) and was compensated; 500 only for a bug.
    ...problemResponses(400, 404, 409, 415, 500, 502),
    503: SIGNUP_UNAVAILABLE,
  },
} satisfies RouteConfig;

/**
 * `POST /v1/tenants` `{name, slug, email, plan, interval?}` -> 201 `{tenant, apiKey: {id, secret}, checkoutUrl?}`.
 * Mount it before `app.use("/v1/*", tenant(...))`: signup has no tenant yet.
 *
 * @throws {Error} at creation when neither `idempotencyStore` nor `idempotency` is given
 * @example
 * app.route("/", signupRoutes({ signup, idempotencyStore: createPostgresStore({ db }), baseDomain }));
 */
export function signupRoutes(options: SignupRoutesOptions): OpenAPIHono {
  const { signup, baseDomain, idempotencyStore } = options;
  // Signup has no caller identity yet: every signup shares one scope; the fingerprint (method, path,
  // body) still refuses a key reused for another signup with 422.
  const keyed =
    options.idempotency ??
    (idempotencyStore && idempotency({ store: idempotencyStore, scope: () => "signup", required: true }));
  if (!keyed) throw new Error("signupRoutes(): pass idempotencyStore (or an idempotency middleware)");
  const hostGuard: MiddlewareHandler = async function signupHost(c, next) {
    if (
      baseDomain &&
      slugFromHost(requestHeader(c, "host") ?? new URL(c.req.url).host, baseDomain) !== undefined
    ) {
      throw new ProblemError("not_found", { detail: "Signup is not served on a tenant's host." });
    }
    await next();
  };
  const router = apiRouter();
  // Before the body and the header are judged: a tenant's host
  // answers 404 whatever the request, and the Idempotency-Key middleware answers its own 400s.
  router.openapi(apiRoute({ ...signupRouteConfig, middleware: [hostGuard, keyed] }), async (c) => {
    const input = c.req.valid("json");
    const outcome = await signup.run(input, { requestKey: c.req.valid("header")["Idempotency-Key"] });
    if (!outcome.ok && outcome.reason === "step_failed") {
      throw new ProblemError("service_unavailable", {
        detail: outcome.detail,
        headers: { "Retry-After": String(Math.max(1, Math.ceil(outcome.retryAfterMs / 1000))) },
      });
    }
    if (!outcome.ok) throw new ProblemError(REFUSAL_CODES[outcome.reason], { detail: outcome.detail });
    const result = outcome.value;
    // The first API key's secret is shown once: an Idempotency-Key replay answers it as null.
    markSensitiveFields(c, ["/apiKey/secret"]);
    return c.json(
      {
        tenant: tenantView(result.tenant),
        apiKey: result.apiKey,
        ...(result.checkoutUrl ? { checkoutUrl: result.checkoutUrl } : {}),
      },
      201,
    );
  });
  return router;
}
