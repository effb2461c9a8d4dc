/** @module POST /v1/tenants: the signup endpoint, behind a required Idempotency-Key. */
import type { IdempotencyStore } from "@org/idempotency";
import { idempotency, markSensitiveFields } from "@org/idempotency/hono";
import { type TenantView, tenantView } from "@org/multitenancy";
import { slugFromHost } from "@org/multitenancy/hono";
import { type ErrorCode, ProblemError } from "@org/problem";
import { jsonBody, requestHeader } from "@org/server-kit";
import { Hono, type MiddlewareHandler } from "hono";
import { z } from "zod";
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

/** The problem code of each refusal; their statuses come from @org/problem's code table. */
const REFUSAL_CODES: Record<SignupFailureReason, ErrorCode> = {
  slug_invalid: "slug_invalid",
  plan_not_found: "plan_not_found",
  slug_taken: "slug_taken",
  billing_failed: "stripe_error",
};

export const signupBody = z.object({
  name: z.string().trim().min(1).max(200),
  slug: z.string().min(1).max(100),
  email: z.email().max(320),
  plan: z.string().min(1).max(64),
  interval: z.enum(["month", "year"]).default("month"),
});

/** The 201 body of `POST /v1/tenants`: the API key's secret is shown this once. */
export interface SignupResponse {
  tenant: TenantView;
  apiKey: { id: string; secret: string };
  /** Present for a paid plan: where the owner completes the subscription. */
  checkoutUrl?: string;
}

/**
 * `POST /v1/tenants` `{name, slug, email, plan, interval?}` -> 201 `{tenant, apiKey: {id, secret}, checkoutUrl?}`.
 * Mount it before `app.use("/v1/*", tenant(...))`: signup has no tenant yet.
 *
 * @throws {Error} at creation when neither `idempotencyStore` nor `idempotency` is given
 * @example
 * app.route("/", signupRoutes({ signup, idempotencyStore: createPostgresStore({ db }), baseDomain }));
 */
export function signupRoutes(options: SignupRoutesOptions): Hono {
  const { signup, baseDomain, idempotencyStore } = options;
  // Signup has no caller identity yet: every signup shares one scope; the fingerprint (method, path,
  // body) still refuses a key reused for another signup with 422.
  const keyed =
    options.idempotency ??
    (idempotencyStore && idempotency({ store: idempotencyStore, scope: () => "signup", required: true }));
  if (!keyed) throw new Error("signupRoutes(): pass idempotencyStore (or an idempotency middleware)");
  const app = new Hono();
  const hostGuard: MiddlewareHandler = async function signupHost(c, next) {
    if (
      baseDomain &&
      slugFromHost(requestHeader(c, "host") ?? new URL(c.req.url).host, baseDomain) !== undefined
    ) {
      throw new ProblemError("not_found", { detail: "Signup is not served on a tenant's host." });
    }
    await next();
  };
  app.post("/v1/tenants", hostGuard, keyed, async (c) => {
    const input = await jsonBody(c, signupBody);
    const outcome = await signup.run(input, { requestKey: requestHeader(c, "idempotency-key") });
    if (!outcome.ok) throw new ProblemError(REFUSAL_CODES[outcome.reason], { detail: outcome.detail });
    const result = outcome.value;
    const body: SignupResponse = {
      tenant: tenantView(result.tenant),
      apiKey: result.apiKey,
      ...(result.checkoutUrl ? { checkoutUrl: result.checkoutUrl } : {}),
    };
    // The first API key's secret is shown once: an Idempotency-Key replay answers it as null.
    markSensitiveFields(c, ["/apiKey/secret"]);
    return c.json(body, 201);
  });
  return app;
}
