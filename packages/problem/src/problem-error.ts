/** @module ProblemError: thrown by middleware and handlers, rendered by the app's onError. */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { codeToStatus, type ErrorCode } from "./codes.js";
import { type ProblemInit, problemResponse } from "./problem.js";

/**
 * An HTTPException carrying a problem code. Any Hono app renders it correctly even without our
 * onError (its `res` is the problem response); with {@link problemErrorHandler} the request id is added.
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

/** The request id set by hono/request-id (or any middleware that sets `requestId`). */
const requestIdOf = (c: Context): string | undefined => {
  const id = (c.get as (key: string) => unknown)("requestId");
  return typeof id === "string" ? id : undefined;
};

export interface ProblemErrorHandlerOptions {
  /** Called for unexpected errors (500s), e.g. to log them. Never reaches the client. */
  onUnexpected?: (error: unknown, c: Context) => void;
}

/**
 * `app.onError(problemErrorHandler())`: every error becomes problem+json with the request id;
 * HTTPExceptions keep their status; anything else is a 500 without a stack trace.
 *
 * @example
 * app.onError(problemErrorHandler({ onUnexpected: (err, c) => logger.error({ err }, "unhandled") }));
 */
export function problemErrorHandler(options: ProblemErrorHandlerOptions = {}) {
  return function problemErrorHandler(error: Error, c: Context): Response {
    const requestId = requestIdOf(c);
    if (error instanceof ProblemError) {
      return problemResponse(error.code, { ...error.init, requestId });
    }
    if (error instanceof HTTPException) {
      const status = error.status;
      const code: ErrorCode =
        status === 401
          ? "unauthorized"
          : status === 403
            ? "forbidden"
            : status === 404
              ? "not_found"
              : status === 413
                ? "payload_too_large"
                : status === 415
                  ? "unsupported_media_type"
                  : status < 500
                    ? "bad_request"
                    : "internal_error";
      return problemResponse(code, { status, detail: error.message || undefined, requestId });
    }
    options.onUnexpected?.(error, c);
    return problemResponse("internal_error", { detail: "An unexpected error occurred.", requestId });
  };
}

/** `app.notFound(problemNotFound)`: unknown routes answer problem+json 404. */
export function problemNotFound(c: Context): Response {
  return problemResponse("not_found", {
    detail: `No route for ${c.req.method} ${c.req.path}`,
    requestId: requestIdOf(c),
  });
}
