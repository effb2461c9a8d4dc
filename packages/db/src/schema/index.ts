export * from "./billing.js";
export * from "./billing-sync.js";
export * from "./credits.js";
export * from "./idempotency.js";
export * from "./tenancy.js";
export * from "./usage.js";
export * from "./usage-alerts.js";
