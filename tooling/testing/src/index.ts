export * from "@org/test-services";
export { idempotencyRowsText, type RedisReader, redisText } from "./stored-text.js";
export { createTestDb, type TestDb, type TestDbOptions } from "./test-db.js";
