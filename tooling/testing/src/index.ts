export * from "@org/test-services";
export {
  type AnswerCheck,
  type ConformanceDocument,
  checkAnswers,
  type ResponseConformance,
  responseConformance,
} from "./response-conformance.js";
export { idempotencyRowsText, type RedisReader, redisText } from "./stored-text.js";
export { createTestDb, type TestDb, type TestDbOptions } from "./test-db.js";
