/** @module /openapi.json from the same zod schemas that validate the requests, and a /docs page. */
import {
  cancelBody,
  changeBody,
  checkoutBody,
  checkoutCompleteQuery,
  pageQuery,
  portalBody,
} from "@org/billing/hono";
import { adminTenantPatchBody, adminTenantsQuery, createKeyBody, signupBody } from "@org/multitenancy/hono";
import { usageEventsBody, usageQuery } from "@org/usage-metering/hono";
import type { Env, Hono } from "hono";
import { z } from "zod";

interface Operation {
  method: "get" | "post" | "delete" | "patch";
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
      path: "/v1/entitlements/{feature}",
      summary: "Whether the plan allows a feature or meter, and what is left",
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
    );
  }
  return ops;
}

const problem = {
  description: "RFC 9457 problem (application/problem+json) with a stable `code`",
  content: {
    "application/problem+json": {
      schema: {
        type: "object",
        required: ["type", "title", "status", "detail", "code"],
        properties: {
          type: { type: "string" },
          title: { type: "string" },
          status: { type: "integer" },
          detail: { type: "string" },
          code: { type: "string" },
          requestId: { type: "string" },
        },
      },
    },
  },
};

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
        "400": problem,
        "401": problem,
        "403": problem,
        "404": problem,
        "409": problem,
        "422": problem,
        "429": problem,
        ...(op.tag === "billing" && !options.billing ? { "501": problem } : {}),
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

const DOCS_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>API docs</title>
<style>body{font:15px system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem}code{background:#f3f3f3;padding:1px 4px}
h2{margin-top:2rem;text-transform:capitalize}.op{border-left:3px solid #888;padding:.3rem .8rem;margin:.6rem 0}pre{background:#f7f7f7;padding:.5rem;overflow:auto}</style>
</head><body><h1 id="title">API</h1><p>The machine-readable contract is at <a href="/openapi.json">/openapi.json</a>.</p><div id="ops"></div>
<script type="module">
const doc = await (await fetch("/openapi.json")).json();
document.getElementById("title").textContent = doc.info.title;
const byTag = {};
for (const [path, methods] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(methods)) (byTag[op.tags[0]] ??= []).push({ path, method, op });
const out = document.getElementById("ops");
for (const [tag, ops] of Object.entries(byTag)) {
  const h = document.createElement("h2"); h.textContent = tag; out.append(h);
  for (const { path, method, op } of ops) {
    const d = document.createElement("div"); d.className = "op";
    const body = op.requestBody ? JSON.stringify(op.requestBody.content["application/json"].schema, null, 2) : "";
    d.innerHTML = "<b></b> <code></code><p></p>" + (body ? "<pre></pre>" : "");
    d.querySelector("b").textContent = method.toUpperCase(); d.querySelector("code").textContent = path;
    d.querySelector("p").textContent = op.summary; if (body) d.querySelector("pre").textContent = body;
    out.append(d);
  }
}
</script></body></html>`;

/**
 * Serves `/openapi.json` and `/docs`.
 *
 * @example
 * mountOpenApi(app, { title: "api", billing: true, admin: false });
 */
export function mountOpenApi<E extends Env>(app: Hono<E>, options: OpenApiOptions): void {
  mountApiDocs(app, openApiDocument(options));
}

/**
 * Serves any OpenAPI document at `/openapi.json` and the docs page (which renders it) at `/docs`.
 *
 * @example
 * mountApiDocs(app, { openapi: "3.1.0", info: { title: "webhook-worker", version: "1.0.0" }, paths });
 */
export function mountApiDocs<E extends Env>(app: Hono<E>, document: object): void {
  app.get("/openapi.json", (c) => c.json(document));
  app.get("/docs", (c) => c.html(DOCS_PAGE));
}

/** The problem+json response of an OpenAPI operation. */
export const PROBLEM_RESPONSE = problem;
