/** @module problemErrorHandler() and problemNotFound: every error and unknown route as problem+json. */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ErrorCode } from "../codes.js";
import { problemResponse } from "../problem.js";
import { ProblemError } from "./problem-error.js";

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
