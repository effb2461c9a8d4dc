/** @module The api's configuration: the only file that reads process.env. */
import { apiEnv, ConfigError, parseConfig, serviceEnv } from "@org/server-kit";
import { z } from "zod";

export const envSchema = z.object({
  ...serviceEnv,
  ...apiEnv,
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  /** Postgres; absent -> embedded PGlite under DATA_DIR. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  DATA_DIR: z.string().min(1).default(".data"),
  /** Redis; absent -> memory stores (one process). */
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  STRIPE_SECRET_KEY: z
    .string()
    .regex(/^(sk|rk)_(test|live)_\w+$/, "must be a Stripe secret key")
    .optional(),
  STRIPE_WEBHOOK_SECRET: z.string().startsWith("whsec_").optional(),
  /** Public URL of this api, for Checkout's return URLs. */
  PUBLIC_URL: z.url().default("http://localhost:3000"),
  INITIAL_API_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{32,128}$/, "INITIAL_API_KEY must be 32 to 128 characters of [A-Za-z0-9_-]")
    .optional(),
  RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(1000),
  /** The one organisation's slug and name, used on first start. */
  ORG_SLUG: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/)
    .default("default"),
  ORG_NAME: z.string().min(1).default("Self-hosted organisation"),
  ORG_EMAIL: z.email().default("admin@localhost.localdomain"),
});

export type Env = z.infer<typeof envSchema>;

export { ConfigError };

/** Parses the environment once, at start. Throws ConfigError listing every problem. */
export const parseEnv = (source: Record<string, string | undefined> = process.env): Env =>
  parseConfig(envSchema, source);
