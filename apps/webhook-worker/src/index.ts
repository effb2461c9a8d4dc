export { type App, type AppDeps, createApp } from "./app.js";
export { buildDeps, type Deps } from "./deps.js";
export { ConfigError, type Env, envSchema, parseEnv } from "./env.js";
export { createWorkerMetrics, type WorkerMetrics } from "./metrics.js";
