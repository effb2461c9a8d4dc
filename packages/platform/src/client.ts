/** @module The v1 contract as a Hono `Schema` type, so that `hc` from `hono/client` is typed. */
import type { InvoiceView, Page, PaymentMethodView, SubscriptionView } from "@org/billing";
import type {
  CheckoutResponse,
  cancelBody,
  changeBody,
  checkoutBody,
  checkoutCompleteQuery,
  PlanChangeResponse,
  PortalResponse,
  pageQuery,
  portalBody,
} from "@org/billing/hono";
import type { CreatedApiKey, TenantView } from "@org/multitenancy";
import type { ApiKeyList, createKeyBody } from "@org/multitenancy/hono";
import type { ProblemBody } from "@org/problem";
import type { SignupResponse, signupBody } from "@org/signup/hono";
import type { Entitlement } from "@org/usage-metering";
import type {
  UsageEventsResponse,
  UsageSeriesResponse,
  UsageSummaryResponse,
  usageEventsBody,
  usageQuery,
} from "@org/usage-metering/hono";
import type { Hono } from "hono";
import { type ClientRequestOptions, hc } from "hono/client";
import type { ClientErrorStatusCode, ServerErrorStatusCode, SuccessStatusCode } from "hono/utils/http-status";
import type { JSONParsed } from "hono/utils/types";
import type { z } from "zod";

export type { ProblemBody };

/** Any error answer of any route: RFC 9457 problem+json with the stable `code`. */
export type ProblemEndpoint<I> = {
  input: I;
  output: ProblemBody;
  outputFormat: "json";
  status: ClientErrorStatusCode | ServerErrorStatusCode;
};

/** A route answering `Output` as JSON with `S`, or a problem. `Output` is as `c.json()` serialises it. */
export type JsonEndpoint<I, Output, S extends SuccessStatusCode = 200> =
  | { input: I; output: JSONParsed<Output>; outputFormat: "json"; status: S }
  | ProblemEndpoint<I>;

/**
 * What `hc` puts in a query string: the schema's input keys, strings where the schema coerces
 * (numbers are accepted too: `URLSearchParams` turns them into strings).
 */
export type QueryInput<S extends z.ZodType> = {
  [K in keyof z.input<S>]: unknown extends z.input<S>[K] ? string | number : z.input<S>[K];
};

/** A JSON body as the schema that validates it accepts it (`z.input`: defaulted fields optional). */
type JsonInput<S extends z.ZodType> = { json: z.input<S> };

/** A route that takes no input. */
type NoInput = Record<never, never>;

/** Mutating routes honour an optional Idempotency-Key (a retry replays the first answer). */
type Idempotent = { header?: { "Idempotency-Key"?: string } };

/** The answer of `GET /v1/billing/subscription` in the platform: the view with this period's usage. */
export type SubscriptionResponse = SubscriptionView & { usage: UsageSummaryResponse };

/**
 * The v1 routes of the platform (both services), for `hc<Hono<any, V1Schema>>`. Inputs are the
 * `z.input` of the zod schemas that validate the requests; outputs are the types the handlers'
 * bodies are checked against (`satisfies`), as JSON. Every route may also answer problem+json.
 * Authenticate with `Authorization: Bearer <API key or JWT>` (client option `headers`).
 */
export type V1Schema = {
  "/v1/tenant": { $get: JsonEndpoint<NoInput, TenantView> };
  "/v1/api-keys": {
    $get: JsonEndpoint<NoInput, ApiKeyList>;
    $post: JsonEndpoint<JsonInput<typeof createKeyBody> & Idempotent, CreatedApiKey, 201>;
  };
  "/v1/api-keys/:id": {
    $delete:
      | { input: { param: { id: string } }; output: null; outputFormat: "body"; status: 204 }
      | ProblemEndpoint<{ param: { id: string } }>;
  };
  "/v1/usage/events": {
    $post: JsonEndpoint<JsonInput<typeof usageEventsBody> & Idempotent, UsageEventsResponse>;
  };
  "/v1/usage": { $get: JsonEndpoint<{ query: QueryInput<typeof usageQuery> }, UsageSeriesResponse> };
  "/v1/usage/summary": { $get: JsonEndpoint<NoInput, UsageSummaryResponse> };
  "/v1/entitlements/:feature": { $get: JsonEndpoint<{ param: { feature: string } }, Entitlement> };
  "/v1/billing/subscription": { $get: JsonEndpoint<NoInput, SubscriptionResponse> };
  "/v1/billing/checkout": {
    $post: JsonEndpoint<JsonInput<typeof checkoutBody> & Idempotent, CheckoutResponse>;
  };
  "/v1/billing/checkout/complete": {
    $get: JsonEndpoint<{ query: QueryInput<typeof checkoutCompleteQuery> }, SubscriptionResponse>;
  };
  "/v1/billing/subscription/change": {
    $post: JsonEndpoint<
      JsonInput<typeof changeBody> & Idempotent,
      Omit<PlanChangeResponse, "subscription"> & { subscription: SubscriptionResponse }
    >;
  };
  "/v1/billing/subscription/cancel": {
    $post: JsonEndpoint<JsonInput<typeof cancelBody> & Idempotent, SubscriptionResponse>;
  };
  "/v1/billing/subscription/resume": { $post: JsonEndpoint<Idempotent, SubscriptionResponse> };
  "/v1/billing/portal": { $post: JsonEndpoint<JsonInput<typeof portalBody> & Idempotent, PortalResponse> };
  "/v1/billing/invoices": { $get: JsonEndpoint<{ query: QueryInput<typeof pageQuery> }, Page<InvoiceView>> };
  "/v1/billing/payment-methods": {
    $get: JsonEndpoint<{ query: QueryInput<typeof pageQuery> }, Page<PaymentMethodView>>;
  };
};

/** `POST /v1/tenants` (cloud-api only; served on a host that names no tenant; Idempotency-Key required). */
export type SignupSchema = {
  "/v1/tenants": {
    $post: JsonEndpoint<
      JsonInput<typeof signupBody> & { header: { "Idempotency-Key": string } },
      SignupResponse,
      201
    >;
  };
};

/**
 * The multi-tenant cloud-api's routes as a Hono app type: `hc<AppType>(url)`.
 *
 * @example
 * import { hc } from "hono/client";
 * const client = hc<AppType>("https://acme.example.com", { headers: { Authorization: `Bearer ${key}` } });
 */
// biome-ignore lint/suspicious/noExplicitAny: the client reads only the schema; the app's Env is server-side.
export type AppType = Hono<any, V1Schema & SignupSchema>;

/**
 * The self-hosted api's routes (no signup): `hc<SelfHostedAppType>(url)`.
 *
 * @example
 * const client = createClient<SelfHostedAppType>("http://localhost:3000", { headers });
 */
// biome-ignore lint/suspicious/noExplicitAny: the client reads only the schema; the app's Env is server-side.
export type SelfHostedAppType = Hono<any, V1Schema>;

/**
 * A typed client of the v1 API: `hc` from `hono/client` over {@link AppType} (or the app type given).
 *
 * @param baseUrl the service's origin; in cloud-api the tenant's host, `https://{slug}.{BASE_DOMAIN}`
 * @param [options] `hc`'s options: `headers` (e.g. `Authorization`), `fetch` (e.g. `app.request` in tests)
 * @returns the client: `client.v1.tenant.$get()`, `client.v1.usage.events.$post({ json })`, ...
 * @example
 * const client = createClient("https://acme.example.com", { headers: { Authorization: `Bearer ${key}` } });
 * const res = await client.v1.usage.events.$post({ json: { events: [{ id: "e1", meter: "tokens", quantity: 10 }] } });
 * if (res.ok) console.log((await res.json()).accepted);
 * else console.error((await res.json()).code);
 */
// biome-ignore lint/suspicious/noExplicitAny: any app type whose schema the client reads.
export function createClient<App extends Hono<any, any, any> = AppType>(
  baseUrl: string,
  options?: ClientRequestOptions,
): ReturnType<typeof hc<App>> {
  return hc<App>(baseUrl, options);
}
