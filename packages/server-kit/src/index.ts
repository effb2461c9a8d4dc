/** @module @org/server-kit: what every service shares around its routes. */

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
export { apiEnv, ConfigError, parseConfig, runMain, serviceEnv } from "./config.js";
export { type HeaderList, requestHeader, withResponseHeaders } from "./headers.js";
export { type CheckResult, type HealthOptions, mountHealth, type ReadinessCheck } from "./health.js";
export { createHttpMetrics, HTTP_DURATION_BUCKETS, type HttpMetrics } from "./http-metrics.js";
export { type LambdaApp, lazyLambdaHandler } from "./lambda.js";
export { createLogger, type Logger, type LoggerConfig, REDACTED_PATHS } from "./logger.js";
export { createMetrics, type ServiceMetrics } from "./metrics.js";
export { type ObserveOptions, type ObserveVariables, observe } from "./observe.js";
export { nodePeerAddress } from "./peer-address.js";
export { type RunningServer, type ServeNodeOptions, serveNode } from "./serve-node.js";
export { createServiceApp, type ServiceAppOptions } from "./service-app.js";
export { invalidInput, validationProblem } from "./validate.js";
