/** @module The webhook-worker's OpenAPI document, built from the schemas its routes validate with. */
import { PROBLEM_RESPONSE } from "@org/server-kit";
import { z } from "zod";
import { listQuery } from "./admin.js";

const admin = { security: [{ admin: [] }], responses: { "401": PROBLEM_RESPONSE, "404": PROBLEM_RESPONSE } };

/** The document served at `/openapi.json`. */
export function webhookWorkerOpenApi(options: { admin: boolean }) {
  const listParameters = Object.entries(
    (z.toJSONSchema(listQuery, { io: "input" }) as { properties: Record<string, unknown> }).properties,
  ).map(([name, schema]) => ({ name, in: "query", required: false, schema }));
  const idParameter = [{ name: "id", in: "path", required: true, schema: { type: "string" } }];
  return {
    openapi: "3.1.0",
    info: { title: "Metered platform webhook-worker", version: "1.0.0" },
    components: {
      securitySchemes: { admin: { type: "http", scheme: "bearer", description: "ADMIN_TOKEN" } },
    },
    paths: {
      "/webhooks/stripe": {
        post: {
          summary: "Stripe webhook intake: verified on the raw body, stored once, answered at once",
          parameters: [
            { name: "Stripe-Signature", in: "header", required: true, schema: { type: "string" } },
          ],
          requestBody: { required: true, content: { "application/json": { schema: { type: "object" } } } },
          responses: {
            "200": { description: "{ received: true } (duplicates too)" },
            "400": PROBLEM_RESPONSE,
            "413": PROBLEM_RESPONSE,
          },
        },
      },
      ...(options.admin
        ? {
            "/admin/webhook-events": {
              get: {
                summary: "List events by status/type (cursor pagination)",
                parameters: listParameters,
                ...admin,
              },
            },
            "/admin/webhook-events/stats": {
              get: { summary: "Queue depth by status and age of the oldest waiting event", ...admin },
            },
            "/admin/webhook-events/{id}": {
              get: {
                summary: "One event with its attempts and last error",
                parameters: idParameter,
                ...admin,
              },
            },
            "/admin/webhook-events/{id}/replay": {
              post: { summary: "Replay one event (audited)", parameters: idParameter, ...admin },
            },
            "/admin/webhook-events/replay-dead": {
              post: { summary: "Replay every dead event (audited)", ...admin },
            },
          }
        : {}),
    },
  };
}
