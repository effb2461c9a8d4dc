/** @module @org/platform/hono: mountV1 and the OpenAPI document and access table of what it mounted. */
export { mountOpenApi, openApiDocument } from "./openapi.js";
export { routeAccess, SERVICE_ROUTE_ACCESS } from "./route-access.js";
export {
  ABUSE_POLICIES,
  type MountedV1,
  type MountV1Options,
  mountV1,
  type PlatformEnv,
  type TenantSource,
} from "./v1.js";
