/** @module The bodies of the credits routes, as zod schemas. */
import { z } from "@hono/zod-openapi";
import { grantInputSchema } from "../credits/grant.js";

/** The body of `POST /admin/tenants/{id}/credits`. */
export const creditGrantBody = grantInputSchema;

/** One row of the credits ledger (`CreditEntry` of `@org/billing`). */
export const creditEntrySchema = z
  .object({
    id: z.string(),
    kind: z.enum(["grant", "consumption", "expiration"]),
    grantId: z.string(),
    amount: z.number().int(),
    currency: z.string(),
    source: z.string(),
    priority: z.number().int().nullable(),
    expiresAt: z.string().nullable(),
    reason: z.string().nullable(),
    at: z.string(),
  })
  .openapi("CreditEntry");

/** The body of `GET /v1/credits`: the balance and a page of the ledger, newest first. */
export const creditsResponseSchema = z
  .object({
    balance: z.object({ amount: z.number().int(), currency: z.string() }),
    data: z.array(creditEntrySchema),
    nextCursor: z.string().nullable(),
  })
  .openapi("Credits");
export type CreditsResponse = z.infer<typeof creditsResponseSchema>;

/** The body of `POST /admin/tenants/{id}/credits` (`CreditGrant` of `@org/billing`). */
export const creditGrantSchema = z
  .object({
    id: z.string(),
    amount: z.number().int(),
    currency: z.string(),
    priority: z.number().int(),
    expiresAt: z.string().nullable(),
    reason: z.string(),
    grantedAt: z.string(),
  })
  .openapi("CreditGrant");
