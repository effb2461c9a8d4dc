/** @module The problem+json of a request that zod refused. */

import { problemResponse } from "@org/problem";
import { ProblemError } from "@org/problem/hono";
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
