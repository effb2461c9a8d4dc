/** @module The problem+json response of an OpenAPI operation, shared by every service's document. */

/**
 * The OpenAPI response object of an RFC 9457 problem with a stable `code`.
 *
 * @example
 * const responses = { "200": { description: "ok" }, "400": PROBLEM_RESPONSE };
 */
export const PROBLEM_RESPONSE = {
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
} as const;
