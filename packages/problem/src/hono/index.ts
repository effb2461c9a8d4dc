/** @module @org/problem/hono: the error Hono renders as problem+json, and the app's error handlers. */
export { type ProblemErrorHandlerOptions, problemErrorHandler, problemNotFound } from "./error-handler.js";
export { ProblemError } from "./problem-error.js";
