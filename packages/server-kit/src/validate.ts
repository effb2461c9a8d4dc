/** @module Reading a request's JSON body or query with zod, failing as problem+json. */

import { ProblemError, problemResponse } from "@org/problem";
import type { Context } from "hono";
import type { z } from "zod";

/** The `validation_failed` problem of zod issues: each named by its path, listed in `issues`. */
export function invalidInput(error: z.ZodError): ProblemError {
  return new ProblemError("validation_failed", {
    detail: error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; "),
    extensions: {
      issues: error.issues.map((i) => ({ path: i.path.join("."), message: i.message, code: i.code })),
    },
  });
}

/** A 400 `validation_failed` Response listing zod issues (for handlers that return rather than throw). */
export function validationProblem(error: z.ZodError, requestId?: string): Response {
  const { code, init } = invalidInput(error);
  return problemResponse(code, { ...init, requestId });
}

/**
 * The JSON body parsed by `schema`. An empty body reads as `{}` (routes whose fields are all
 * optional accept a bare POST); a body that is not JSON is 400 `bad_request`; one that does not
 * match is 400 `validation_failed` with the zod issues.
 *
 * @throws {ProblemError}
 * @example
 * const body = await jsonBody(c, z.object({ name: z.string() }));
 */
export async function jsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const text = await c.req.text();
  let raw: unknown = {};
  if (text.trim() !== "") {
    try {
      raw = JSON.parse(text);
    } catch {
      throw new ProblemError("bad_request", { detail: "The body must be JSON." });
    }
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw invalidInput(parsed.error);
  return parsed.data;
}

/**
 * The query string parsed by `schema`, or 400 `validation_failed`.
 *
 * @throws {ProblemError}
 * @example
 * const q = queryOf(c, z.object({ limit: z.coerce.number().optional() }));
 */
export function queryOf<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) throw invalidInput(parsed.error);
  return parsed.data;
}
