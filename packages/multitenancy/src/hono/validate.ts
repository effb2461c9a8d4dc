/** @module Body and query validation: the platform's one implementation lives in @org/problem. */
export { jsonBody, queryOf } from "@org/problem";
