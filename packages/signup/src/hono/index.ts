/** @module @org/signup/hono: POST /v1/tenants. */
export { type SignupResponse, type SignupRoutesOptions, signupBody, signupRoutes } from "./signup-routes.js";
