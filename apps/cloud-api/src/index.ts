export { type App, type AppDeps, type AppEnv, createApp } from "./app.js";
export { buildDeps, type Deps } from "./deps.js";
export { ConfigError, type Env, envSchema, parseEnv } from "./env.js";
