/** @module @org/server-kit/hono: the service app, route declarations, docs, health and the Node and Lambda adapters. */
export { DOCS_CONTENT_SECURITY_POLICY, mountApiDocs } from "./api-docs.js";
export {
  ADMIN_SECURITY,
  type ApiDocumentOptions,
  apiDocument,
  apiRoute,
  apiRouter,
  bearer,
  jsonRequest,
  jsonResponse,
  OPTIONAL_IDEMPOTENCY_KEY,
  type OpenApiDocument,
  problemResponses,
  problemSchema,
  REQUIRED_IDEMPOTENCY_KEY,
} from "./api-routes.js";
export { type HeaderList, requestHeader, withResponseHeaders } from "./headers.js";
export { type HealthOptions, mountHealth } from "./health.js";
export { type LambdaApp, lazyLambdaHandler } from "./lambda.js";
export { type ObserveOptions, type ObserveVariables, observe } from "./observe.js";
export { nodePeerAddress } from "./peer-address.js";
export { type RunningServer, type ServeNodeOptions, serveNode } from "./serve-node.js";
export { createServiceApp, type ServiceAppOptions } from "./service-app.js";
export { invalidInput, validationProblem } from "./validate.js";
