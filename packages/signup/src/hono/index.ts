/** @module @org/signup/hono: POST /v1/tenants. */
export {
  type SignupResponse,
  type SignupRoutesOptions,
  signupBody,
  signupResponseSchema,
  signupRoutes,
} from "./signup-routes.js";
