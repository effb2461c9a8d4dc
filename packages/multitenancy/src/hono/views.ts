/** @module The shapes a tenant and an API key take in API answers, as zod schemas for route declarations. */
import { z } from "@hono/zod-openapi";
import { TENANT_STATUSES } from "@org/db";

/**
 * A tenant as the API shows it (`tenantView()` of the package root; no Stripe ids). Times are ISO 8601.
 *
 * @example
 * responses: { 200: jsonResponse(tenantViewSchema) }
 */
export const tenantViewSchema = z
  .object({
    id: z.string().openapi({ example: "ten_3ZpX8kQ2mN4bV7cW1yT6" }),
    slug: z.string().openapi({ example: "acme" }),
    name: z.string(),
    email: z.string(),
    status: z.enum(TENANT_STATUSES),
    plan: z.string().openapi({ example: "free" }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("TenantView");

/**
 * An API key as listed: never its secret or hash. Times are ISO 8601.
 *
 * @example
 * responses: { 200: jsonResponse(z.object({ data: z.array(apiKeyViewSchema) })) }
 */
export const apiKeyViewSchema = z
  .object({
    id: z.string().openapi({ example: "key_5HqT2vLx9sRb0nWc4mZa" }),
    name: z.string(),
    prefix: z.string().openapi({ description: "The first characters of the secret, to recognise it" }),
    scopes: z.array(z.string()),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi("ApiKeyView");
