/** @module @org/problem: RFC 9457 errors with stable codes. The Hono side is `@org/problem/hono`. */
export { codeToStatus, codeToTitle, type ErrorCode, errorCode } from "./codes.js";
export {
  PROBLEM_CONTENT_TYPE,
  type ProblemBody,
  type ProblemInit,
  problemBody,
  problemResponse,
} from "./problem.js";
