/** @module Service configuration: parse the environment with zod once, at start, and refuse bad config clearly. */
import { z } from "zod";

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/**
 * Parses `source` (the environment) with `schema`.
 *
 * @throws {ConfigError} listing every problem, one line per variable
 * @example
 * export const parseEnv = (source = process.env) => parseConfig(envSchema, source);
 */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  source: Record<string, string | undefined>,
): z.output<S> {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`));
  }
  return parsed.data;
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** Variables every service reads, with the contract's names. */
export const serviceEnv = {
  HOST: z.string().min(1).default("0.0.0.0"),
  LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
  ADMIN_TOKEN: z.string().min(32, "ADMIN_TOKEN must be at least 32 characters").optional(),
  /** Bearer token of /metrics; unset -> /metrics answers 403 to everyone. */
  METRICS_TOKEN: z.string().min(32, "METRICS_TOKEN must be at least 32 characters").optional(),
};

/** A comma-separated list variable; absent or empty -> []. */
const commaList = z
  .string()
  .optional()
  .transform((s) =>
    s
      ? s
          .split(",")
          .map((item) => item.trim())
          .filter(Boolean)
      : [],
  );

/** Variables of the services that serve the v1 API. */
export const apiEnv = {
  JWT_SECRET: z.string().min(32, "JWT_SECRET must be at least 32 characters").optional(),
  JWT_ISSUER: z.string().min(1).optional(),
  JWT_AUDIENCE: z.string().min(1).optional(),
  STRIPE_API_BASE: z.url().optional(),
  PLANS_FILE: z.string().min(1).optional(),
  /** Comma-separated origins allowed by CORS; none -> no CORS headers. */
  CORS_ORIGINS: commaList,
  /** Comma-separated proxies (addresses or CIDR blocks, IPv4 or IPv6) whose X-Forwarded-For is believed. */
  TRUSTED_PROXIES: commaList,
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  /** Rate-limit units a node may lease per key and spend without a Redis call (0: every decision in Redis). */
  RATE_LIMIT_LEASE_UNITS: z.coerce.number().int().min(0).max(1_000_000).default(0),
  /** How long a rate-limit decision waits for Redis before the insurance limiter answers. */
  RATE_LIMIT_STORE_TIMEOUT_MS: z.coerce.number().int().min(1).max(60_000).default(100),
};

/**
 * Runs a service's entry: a ConfigError prints its list and exits 1 without a stack trace; any other
 * start-up failure is printed and exits 1.
 *
 * @example
 * runMain(async () => { const env = parseEnv(); ... await serveNode(...); });
 */
export function runMain(main: () => Promise<void>): void {
  main().catch((error) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  });
}
