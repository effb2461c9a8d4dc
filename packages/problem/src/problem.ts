/** @module Building RFC 9457 problem+json bodies and responses. */
import { codeToStatus, codeToTitle, type ErrorCode } from "./codes.js";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";
const TYPE_BASE = "https://docs.metered.dev/errors/";

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  requestId?: string;
  [extension: string]: unknown;
}

export interface ProblemInit {
  detail?: string;
  requestId?: string;
  /** Override the code's status (rare: the table is the rule). */
  status?: number;
  /** Extension members, e.g. `issues` for validation errors. */
  extensions?: Record<string, unknown>;
  /** Extra response headers, e.g. `Retry-After`. */
  headers?: Record<string, string>;
}

/**
 * The problem+json body for a code.
 *
 * @example
 * problemBody("slug_taken", { detail: "acme is taken", requestId });
 */
export function problemBody(code: ErrorCode, init: ProblemInit = {}): ProblemBody {
  return {
    type: `${TYPE_BASE}${code}`,
    title: codeToTitle[code],
    status: init.status ?? codeToStatus[code],
    detail: init.detail ?? codeToTitle[code],
    code,
    ...(init.requestId ? { requestId: init.requestId } : {}),
    ...init.extensions,
  };
}

/**
 * A complete problem+json Response.
 *
 * @example
 * return problemResponse("rate_limited", { headers: { "Retry-After": "3" } });
 */
export function problemResponse(code: ErrorCode, init: ProblemInit = {}): Response {
  const body = problemBody(code, init);
  return new Response(JSON.stringify(body), {
    status: body.status,
    headers: { "Content-Type": PROBLEM_CONTENT_TYPE, ...init.headers },
  });
}
