/** @module cloud-api's configuration: the only file that reads process.env. */
import { apiEnv, ConfigError, parseConfig, serviceEnv } from "@org/server-kit";
import { z } from "zod";

export const envSchema = z.object({
  ...serviceEnv,
  ...apiEnv,
  PORT: z.coerce.number().int().min(0).max(65_535).default(3001),
  DATABASE_URL: z.url({
    protocol: /^postgres(ql)?$/,
    error: "cloud-api requires Postgres: set DATABASE_URL=postgres://...",
  }),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: "cloud-api requires Redis: set REDIS_URL=redis://..." }),
  /** Prefix of every Redis key and channel of this deployment (several deployments may share a Redis). */
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .default("cloud"),
  BASE_DOMAIN: z
    .string()
    .regex(/^(?=.{3,253}$)([a-z0-9-]+\.)+[a-z0-9-]+$/, "BASE_DOMAIN must be a domain name, e.g. example.com"),
  STRIPE_SECRET_KEY: z
    .string()
    .regex(/^(sk|rk)_(test|live)_\w+$/, "STRIPE_SECRET_KEY must be a Stripe secret key"),
  STRIPE_WEBHOOK_SECRET: z.string().startsWith("whsec_", "STRIPE_WEBHOOK_SECRET must start with whsec_"),
  PUBLIC_URL: z.url().default("http://localhost:3001"),
  /** Nodes behind the load balancer: while Redis is down each allows limit / nodes. */
  EXPECTED_NODES: z.coerce.number().int().min(1).default(1),
});

export type Env = z.infer<typeof envSchema>;

export { ConfigError };

/** Parses the environment once, at start. Throws ConfigError listing every problem. */
export const parseEnv = (source: Record<string, string | undefined> = process.env): Env =>
  parseConfig(envSchema, source);
