/** The typed-client contract of this service: `hc<AppType>(url)` from `hono/client`. */
export { type AppType, createClient } from "@org/platform";
export { type App, type AppDeps, type AppEnv, createApp } from "./app.js";
export { buildDeps, type Deps } from "./deps.js";
export { ConfigError, type Env, envSchema, parseEnv } from "./env.js";
