import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { problemErrorHandler } from "@org/problem/hono";
import { apiDocument, type OpenApiDocument } from "@org/server-kit/hono";
import { Hono } from "hono";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { BillingDeps } from "../context.js";
import type { CreditEntry } from "../credits/balance.js";
import type { CreditGrant } from "../credits/grant.js";
import type { InvoiceView, Page, PaymentMethodView } from "../lists.js";
import type { ChangeKind } from "../manage.js";
import type { PlanChangePreview } from "../preview.js";
import type { SubscriptionView } from "../subscription-view.js";
import { billingNotConfiguredRoutes } from "./billing-not-configured-routes.js";
import { billingPreviewRoutes } from "./billing-preview-route.js";
import type {
  billingPreviewSchema,
  changeKindSchema,
  invoicesPageSchema,
  paymentMethodsPageSchema,
  subscriptionViewSchema,
} from "./billing-schemas.js";
import { adminCreditsRoutes, creditsRoutes } from "./credits-routes.js";
import type { creditEntrySchema, creditGrantSchema } from "./credits-schemas.js";
import { billingRoutes } from "./routes.js";

/** Validation answers before a handler runs: nothing here reaches billing or the database. */
const unreachable = new Proxy({} as BillingDeps, {
  get: (_, key) => {
    throw new Error(`billing.${String(key)} used`);
  },
});
const tenantOf = () => {
  throw new Error("tenantOf called");
};
const usageSummary = z.object({ requests: z.number().int() }).openapi("UsageSummary");

const configured = (usageSchema?: z.ZodType) => [
  billingRoutes({ billing: unreachable, tenantOf, usageSchema }),
  billingPreviewRoutes({ billing: unreachable, tenantOf }),
];
const appOf = (routers: readonly OpenAPIHono[]) => {
  const app = new Hono();
  app.onError(problemErrorHandler());
  for (const router of routers) app.route("/", router);
  return app;
};

const BILLING_OPERATIONS = [
  "get /v1/billing/subscription",
  "post /v1/billing/checkout",
  "get /v1/billing/checkout/complete",
  "post /v1/billing/subscription/change",
  "post /v1/billing/subscription/cancel",
  "post /v1/billing/subscription/resume",
  "post /v1/billing/portal",
  "get /v1/billing/invoices",
  "get /v1/billing/payment-methods",
  "get /v1/billing/preview",
];
type Operation = NonNullable<NonNullable<OpenApiDocument["paths"]>[string]["get"]>;
const operations = (doc: OpenApiDocument) =>
  new Map<string, Operation>(
    Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => [`${method} ${path}`, op as Operation] as const),
    ),
  );

describe("billing routes in the OpenAPI document", () => {
  const doc = apiDocument(configured(usageSummary), { title: "t" });
  const ops = operations(doc);

  it("documents every billing route with its scope, tag, JSON answer and 501 billing_not_configured", () => {
    expect([...ops.keys()].sort()).toEqual([...BILLING_OPERATIONS].sort());
    for (const [name, op] of ops) {
      const scope = name.startsWith("get ") ? "billing:read" : "billing:write";
      expect(op.security, name).toEqual([{ bearerAuth: [scope] }]);
      expect(op.tags, name).toEqual(["billing"]);
      expect(op.summary, name).toBeTruthy();
      expect(op.responses?.["200"], name).toMatchObject({ content: { "application/json": { schema: {} } } });
      expect(op.responses?.["501"], name).toMatchObject({ content: { "application/problem+json": {} } });
    }
  });

  it("declares Idempotency-Key on every mutation and the refusals each route answers itself", () => {
    for (const [name, op] of ops) {
      const header = (op.parameters ?? []).find((p) => "in" in p && p.in === "header");
      if (name.startsWith("post "))
        expect(header, name).toMatchObject({ name: "Idempotency-Key", required: false });
      else expect(header, name).toBeUndefined();
    }
    const statuses = (name: string) => Object.keys(ops.get(name)?.responses ?? {}).sort();
    expect(statuses("post /v1/billing/checkout")).toEqual(["200", "400", "409", "501", "502"]);
    expect(statuses("post /v1/billing/subscription/change")).toEqual([
      "200",
      "400",
      "402",
      "404",
      "501",
      "502",
    ]);
    expect(statuses("post /v1/billing/subscription/resume")).toEqual(["200", "404", "409", "501", "502"]);
    expect(statuses("get /v1/billing/checkout/complete")).toEqual(["200", "400", "404", "501", "502"]);
    expect(statuses("get /v1/billing/preview")).toEqual(["200", "400", "404", "501", "502"]);
  });

  it("describes the subscription's usage with the schema the app passes, and anything without one", () => {
    expect(doc.components?.schemas?.UsageSummary).toBeDefined();
    expect(JSON.stringify(doc.components?.schemas?.BillingSubscription)).toContain(
      "#/components/schemas/UsageSummary",
    );
    const plain = apiDocument(configured(), { title: "t" });
    expect(plain.components?.schemas?.UsageSummary).toBeUndefined();
  });

  it("is the same document when billing is not configured", () => {
    const off = apiDocument([billingNotConfiguredRoutes({ usageSchema: usageSummary })], { title: "t" });
    expect(off).toEqual(doc);
  });
});

describe("billing routes refuse a request that does not validate before using billing", () => {
  const app = appOf(configured());
  const post = (path: string, body: string, contentType = "application/json") =>
    app.request(path, { method: "POST", headers: { "content-type": contentType }, body });

  it("answers 400 validation_failed to a body, a query or a preview that does not validate", async () => {
    for (const res of [
      await post("/v1/billing/checkout", "{}"),
      await post("/v1/billing/subscription/change", JSON.stringify({ plan: "pro", interval: "week" })),
      await post("/v1/billing/subscription/cancel", JSON.stringify({ atPeriodEnd: "yes" })),
      await post("/v1/billing/portal", JSON.stringify({ returnUrl: "ftp://x.test" })),
      await app.request("/v1/billing/checkout/complete?session_id=nope"),
      await app.request("/v1/billing/invoices?limit=0"),
      await app.request("/v1/billing/payment-methods?limit=101"),
      await app.request("/v1/billing/preview"),
    ]) {
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(await res.json()).toMatchObject({ code: "validation_failed" });
    }
  });

  it("answers 415 to a body that is not JSON and 400 bad_request to malformed JSON", async () => {
    const text = await post("/v1/billing/checkout", "plan=pro", "text/plain");
    expect(text.status).toBe(415);
    expect(await text.json()).toMatchObject({ code: "unsupported_media_type" });
    const malformed = await post("/v1/billing/subscription/change", "{");
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ code: "bad_request" });
  });
});

describe("billingNotConfiguredRoutes", () => {
  const app = appOf([billingNotConfiguredRoutes()]);

  it("answers 501 billing_not_configured to every billing route, even to a request it could not validate", async () => {
    for (const name of BILLING_OPERATIONS) {
      const [method, path] = name.split(" ") as [string, string];
      const res = await app.request(path, {
        method: method.toUpperCase(),
        ...(method === "post" ? { headers: { "content-type": "text/plain" }, body: "x" } : {}),
      });
      expect(res.status, name).toBe(501);
      expect(await res.json(), name).toMatchObject({ code: "billing_not_configured", status: 501 });
    }
  });

  it("answers 501 to billing paths no route declares, which stay out of the document", async () => {
    const res = await app.request("/v1/billing/seats", { method: "PUT" });
    expect(res.status).toBe(501);
    expect(await res.json()).toMatchObject({ code: "billing_not_configured" });
    const doc = apiDocument([billingNotConfiguredRoutes()], { title: "t" });
    expect(Object.keys(doc.paths ?? {})).not.toContain("/v1/billing/seats");
    expect(Object.keys(doc.paths ?? {}).some((path) => path.includes("*"))).toBe(false);
  });
});

describe("credits routes", () => {
  const db = unreachable as unknown as BillingDeps["db"];
  const routers = [
    creditsRoutes({ db, tenantOf }),
    adminCreditsRoutes({ db, guard: async (_, next) => next() }),
  ];

  it("documents the tenant's ledger with billing:read and the operator's grant with the admin token and Idempotency-Key", () => {
    const ops = operations(apiDocument(routers, { title: "t" }));
    const list = ops.get("get /v1/credits");
    expect(list?.security).toEqual([{ bearerAuth: ["billing:read"] }]);
    expect(list?.tags).toEqual(["credits"]);
    expect(Object.keys(list?.responses ?? {}).sort()).toEqual(["200", "400"]);
    const grant = ops.get("post /admin/tenants/{id}/credits");
    expect(grant?.security).toEqual([{ adminToken: [] }]);
    expect(grant?.tags).toEqual(["admin"]);
    expect(Object.keys(grant?.responses ?? {}).sort()).toEqual(["201", "400", "404"]);
    expect(grant?.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "id", in: "path", required: true }),
        expect.objectContaining({ name: "Idempotency-Key", in: "header", required: false }),
      ]),
    );
  });

  it("answers 400 validation_failed to a grant or a page that does not validate", async () => {
    const app = appOf(routers);
    const grant = await app.request("/admin/tenants/ten_1/credits", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ amount: -5, reason: "" }),
    });
    expect(grant.status).toBe(400);
    expect(await grant.json()).toMatchObject({ code: "validation_failed" });
    const page = await app.request("/v1/credits?limit=abc");
    expect(page.status).toBe(400);
    expect(await page.json()).toMatchObject({ code: "validation_failed" });
  });
});

describe("response schemas", () => {
  it("describe exactly the types the billing functions return", () => {
    expectTypeOf<z.infer<typeof subscriptionViewSchema>>().toEqualTypeOf<SubscriptionView>();
    expectTypeOf<z.infer<typeof changeKindSchema>>().toEqualTypeOf<ChangeKind>();
    expectTypeOf<z.infer<typeof invoicesPageSchema>>().toEqualTypeOf<Page<InvoiceView>>();
    expectTypeOf<z.infer<typeof paymentMethodsPageSchema>>().toEqualTypeOf<Page<PaymentMethodView>>();
    expectTypeOf<z.infer<typeof billingPreviewSchema>>().toEqualTypeOf<PlanChangePreview>();
    expectTypeOf<z.infer<typeof creditEntrySchema>>().toEqualTypeOf<CreditEntry>();
    expectTypeOf<z.infer<typeof creditGrantSchema>>().toEqualTypeOf<CreditGrant>();
  });
});
