export * from "@org/test-services";
export { createTestDb, type TestDb, type TestDbOptions } from "./test-db.js";
