/** @module ProblemError: thrown by middleware and handlers, rendered by the app's onError. */
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { codeToStatus, type ErrorCode } from "../codes.js";
import { type ProblemInit, problemResponse } from "../problem.js";

/**
 * An HTTPException carrying a problem code. Any Hono app renders it correctly even without our
 * onError (its `res` is the problem response); with `problemErrorHandler` the request id is added.
 *
 * @example
 * throw new ProblemError("tenant_suspended", { detail: "acme is suspended" });
 */
export class ProblemError extends HTTPException {
  readonly code: ErrorCode;
  readonly init: ProblemInit;

  constructor(code: ErrorCode, init: ProblemInit = {}) {
    const status = (init.status ?? codeToStatus[code]) as ContentfulStatusCode;
    super(status, { message: init.detail ?? code, res: problemResponse(code, init) });
    this.name = "ProblemError";
    this.code = code;
    this.init = init;
  }
}
