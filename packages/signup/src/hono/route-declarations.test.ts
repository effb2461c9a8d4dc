import type { TenantView } from "@org/multitenancy";
import { apiDocument } from "@org/server-kit/hono";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { Signup, SignupResult } from "../signup.js";
import { type SignupResponse, signupResponseSchema, signupRoutes } from "./signup-routes.js";

const doc = apiDocument([signupRoutes({ signup: {} as Signup, idempotency: async (_c, next) => next() })], {
  title: "signup",
});
type Operation = {
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: { required?: boolean };
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  tags?: string[];
};
const post = (doc.paths?.["/v1/tenants"] as { post?: Operation } | undefined)?.post;

describe("the signup route's declaration", () => {
  it("is public and demands an Idempotency-Key and a JSON body", () => {
    expect(post?.security).toBeUndefined();
    expect(post?.tags).toEqual(["signup"]);
    expect(post?.parameters).toEqual([
      expect.objectContaining({ name: "Idempotency-Key", in: "header", required: true }),
    ]);
    expect(post?.requestBody?.required).toBe(true);
  });

  it("declares the 201 body and every refusal the route answers itself", () => {
    expect(Object.keys(post?.responses ?? {}).sort()).toEqual([
      "201",
      "400",
      "404",
      "409",
      "415",
      "500",
      "502",
      "503",
    ]);
    expect(post?.responses?.["201"]?.content?.["application/json"]?.schema).toEqual({
      $ref: "#/components/schemas/SignupResponse",
    });
    expect(doc.components?.schemas?.TenantView).toBeDefined();
  });

  it("declares Retry-After on the 503 a failed step answers", () => {
    const unavailable = post?.responses?.["503"] as
      | { headers?: Record<string, { schema?: unknown }>; content?: Record<string, unknown> }
      | undefined;
    expect(unavailable?.headers?.["Retry-After"]?.schema).toEqual({ type: "integer", minimum: 1 });
    expect(Object.keys(unavailable?.content ?? {})).toEqual(["application/problem+json"]);
  });
});

describe("signupResponseSchema", () => {
  it("types what a signup hands back, its secret null when a replay answers", () => {
    expectTypeOf<SignupResponse["tenant"]>().toEqualTypeOf<TenantView>();
    expectTypeOf<SignupResult["apiKey"]>().toExtend<SignupResponse["apiKey"]>();
    expect(
      signupResponseSchema.strict().safeParse({
        tenant: {
          id: "ten_1",
          slug: "acme",
          name: "Acme",
          email: "ops@acme.test",
          status: "active",
          plan: "pro",
          createdAt: "2026-01-01T00:00:00.000Z",
          updatedAt: "2026-01-01T00:00:00.000Z",
        },
        apiKey: { id: "key_1", secret: null },
        checkoutUrl: "https://checkout.test/cs_1",
      }).success,
    ).toBe(true);
  });
});
