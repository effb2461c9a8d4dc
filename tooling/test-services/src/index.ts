export { startChildServer } from "./child-server.js";
export {
  createFreshDatabase,
  dropStaleTestDatabases,
  type FreshDatabase,
  isTestDatabaseName,
} from "./postgres.js";
export { createTestRedis, type TestRedis } from "./redis.js";
export {
  postgresAvailable,
  redisAvailable,
  ServiceUnavailableError,
  servicesRequired,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
} from "./services.js";
export { startTcpProxy, type TcpProxy } from "./tcp-proxy.js";
