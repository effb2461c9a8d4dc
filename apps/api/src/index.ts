export { type App, type AppDeps, type AppEnv, createApp } from "./app.js";
export { type BootstrapResult, bootstrap } from "./bootstrap.js";
export { buildDeps, type Deps } from "./deps.js";
export { ConfigError, type Env, envSchema, parseEnv } from "./env.js";
export { createLambdaHandler } from "./lambda-handler.js";
