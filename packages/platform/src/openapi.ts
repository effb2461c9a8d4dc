/** @module /openapi.json from the same zod schemas that validate the requests, and a /docs page. */
import {
  billingPreviewQuery,
  cancelBody,
  changeBody,
  checkoutBody,
  checkoutCompleteQuery,
  creditGrantBody,
  pageQuery,
  portalBody,
} from "@org/billing/hono";
import { adminTenantPatchBody, adminTenantsQuery, createKeyBody } from "@org/multitenancy/hono";
import { mountApiDocs, PROBLEM_RESPONSE } from "@org/server-kit";
import { signupBody } from "@org/signup/hono";
import { usageAlertsBody, usageEventsBody, usageQuery } from "@org/usage-metering/hono";
import type { Env, Hono } from "hono";
import { z } from "zod";

interface Operation {
  method: "get" | "post" | "put" | "delete" | "patch";
  path: string;
  summary: string;
  body?: z.ZodType;
  query?: z.ZodObject;
  status?: number;
  /** Honours `Idempotency-Key`; `required` refuses a request without one. */
  idempotencyKey?: "optional" | "required";
  /** Served without credentials. */
  anonymous?: boolean;
  tag: string;
}

function operations(options: OpenApiOptions): Operation[] {
  const ops: Operation[] = [
    { method: "get", path: "/v1/tenant", summary: "The caller's tenant with plan and status", tag: "tenant" },
    {
      method: "post",
      path: "/v1/api-keys",
      summary: "Create an API key (the secret is shown once)",
      body: createKeyBody,
      status: 201,
      idempotencyKey: "optional",
      tag: "api-keys",
    },
    { method: "get", path: "/v1/api-keys", summary: "List API keys", tag: "api-keys" },
    {
      method: "delete",
      path: "/v1/api-keys/{id}",
      summary: "Revoke an API key",
      status: 204,
      idempotencyKey: "optional",
      tag: "api-keys",
    },
    {
      method: "post",
      path: "/v1/usage/events",
      summary: "Send usage events (1 to 1,000; duplicates by id counted once)",
      body: usageEventsBody,
      idempotencyKey: "optional",
      tag: "usage",
    },
    {
      method: "get",
      path: "/v1/usage",
      summary: "Usage of a meter over [from, to)",
      query: usageQuery,
      tag: "usage",
    },
    {
      method: "get",
      path: "/v1/usage/summary",
      summary: "Per meter for the current period: used, included, overage and its cost",
      tag: "usage",
    },
    {
      method: "get",
      path: "/v1/usage/preview",
      summary:
        "The current period's overage priced as it will be reported, and the credits that would cover it",
      tag: "usage",
    },
    {
      method: "get",
      path: "/v1/entitlements/{feature}",
      summary: "Whether the plan allows a feature or meter, and what is left",
      tag: "usage",
    },
    {
      method: "get",
      path: "/v1/credits",
      summary: "Credits balance and ledger, newest first",
      query: pageQuery,
      tag: "credits",
    },
    {
      method: "get",
      path: "/v1/usage/alerts",
      summary: "The tenant's usage alerts and spend caps",
      tag: "usage",
    },
    {
      method: "put",
      path: "/v1/usage/alerts",
      summary: "Replace the usage alerts and spend caps (percent of quota, overage amounts, hard cap)",
      body: usageAlertsBody,
      idempotencyKey: "optional",
      tag: "usage",
    },
    {
      method: "get",
      path: "/v1/billing/subscription",
      summary: "Plan, status, period, cancellation and usage",
      tag: "billing",
    },
    {
      method: "post",
      path: "/v1/billing/checkout",
      summary: "A Checkout URL for a paid plan",
      body: checkoutBody,
      idempotencyKey: "optional",
      tag: "billing",
    },
    {
      method: "get",
      path: "/v1/billing/checkout/complete",
      summary: "Eager sync after Checkout",
      query: checkoutCompleteQuery,
      tag: "billing",
    },
    {
      method: "post",
      path: "/v1/billing/subscription/change",
      summary: "Upgrade now (prorated) or downgrade at period end",
      body: changeBody,
      idempotencyKey: "optional",
      tag: "billing",
    },
    {
      method: "post",
      path: "/v1/billing/subscription/cancel",
      summary: "Cancel at period end or now",
      body: cancelBody,
      idempotencyKey: "optional",
      tag: "billing",
    },
    {
      method: "post",
      path: "/v1/billing/subscription/resume",
      summary: "Undo a cancellation at period end",
      idempotencyKey: "optional",
      tag: "billing",
    },
    {
      method: "post",
      path: "/v1/billing/portal",
      summary: "A Customer Portal URL",
      body: portalBody,
      idempotencyKey: "optional",
      tag: "billing",
    },
    {
      method: "get",
      path: "/v1/billing/preview",
      summary: "What switching to a plan now would invoice (Stripe's prorated invoice preview)",
      query: billingPreviewQuery,
      tag: "billing",
    },
    {
      method: "get",
      path: "/v1/billing/invoices",
      summary: "Invoices, newest first",
      query: pageQuery,
      tag: "billing",
    },
    {
      method: "get",
      path: "/v1/billing/payment-methods",
      summary: "The customer's payment methods",
      query: pageQuery,
      tag: "billing",
    },
  ];
  if (options.signup) {
    ops.unshift({
      method: "post",
      path: "/v1/tenants",
      summary:
        "Sign up an organisation (Idempotency-Key required): the tenant, its first API key (shown once), the checkout URL of a paid plan",
      body: signupBody,
      status: 201,
      idempotencyKey: "required",
      anonymous: true,
      tag: "signup",
    });
  }
  if (options.admin) {
    ops.push(
      {
        method: "get",
        path: "/admin/tenants",
        summary: "List tenants (admin token)",
        query: adminTenantsQuery,
        tag: "admin",
      },
      {
        method: "patch",
        path: "/admin/tenants/{id}",
        summary: "Change a tenant's status or plan (admin token)",
        body: adminTenantPatchBody,
        tag: "admin",
      },
      {
        method: "post",
        path: "/admin/tenants/{id}/credits",
        summary: "Grant credits to a tenant (admin token; Idempotency-Key makes a top-up happen once)",
        body: creditGrantBody,
        status: 201,
        idempotencyKey: "optional",
        tag: "admin",
      },
    );
  }
  return ops;
}

export interface OpenApiOptions {
  title: string;
  billing: boolean;
  admin: boolean;
  signup?: boolean;
}

/** Builds the OpenAPI 3.1 document of the v1 contract. */
export function openApiDocument(options: OpenApiOptions) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations(options)) {
    const parameters: unknown[] = [];
    for (const match of op.path.matchAll(/\{(\w+)\}/g)) {
      parameters.push({ name: match[1], in: "path", required: true, schema: { type: "string" } });
    }
    if (op.query) {
      const schema = z.toJSONSchema(op.query, { io: "input", unrepresentable: "any" }) as {
        properties?: Record<string, unknown>;
        required?: string[];
      };
      for (const [name, prop] of Object.entries(schema.properties ?? {})) {
        parameters.push({
          name,
          in: "query",
          required: schema.required?.includes(name) ?? false,
          schema: prop,
        });
      }
    }
    if (op.idempotencyKey) {
      parameters.push({
        name: "Idempotency-Key",
        in: "header",
        required: op.idempotencyKey === "required",
        schema: { type: "string", maxLength: 255 },
      });
    }
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      tags: [op.tag],
      summary: op.summary,
      security: op.anonymous ? [] : [{ bearer: [] }],
      parameters,
      ...(op.body
        ? {
            requestBody: {
              required: true,
              content: {
                "application/json": {
                  schema: z.toJSONSchema(op.body, { io: "input", unrepresentable: "any" }),
                },
              },
            },
          }
        : {}),
      responses: {
        [String(op.status ?? 200)]: { description: "OK" },
        "400": PROBLEM_RESPONSE,
        "401": PROBLEM_RESPONSE,
        "403": PROBLEM_RESPONSE,
        "404": PROBLEM_RESPONSE,
        "409": PROBLEM_RESPONSE,
        "422": PROBLEM_RESPONSE,
        "429": PROBLEM_RESPONSE,
        ...(op.tag === "billing" && !options.billing ? { "501": PROBLEM_RESPONSE } : {}),
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: options.title, version: "1.0.0" },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "API key or JWT" } },
    },
    paths,
  };
}

/**
 * Serves `/openapi.json` and `/docs`.
 *
 * @example
 * mountOpenApi(app, { title: "api", billing: true, admin: false });
 */
export function mountOpenApi<E extends Env>(app: Hono<E>, options: OpenApiOptions): void {
  mountApiDocs(app, openApiDocument(options));
}
