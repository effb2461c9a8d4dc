/** @module JSON logs with secrets redacted. */
import { type Logger, type LoggerOptions, pino } from "pino";

/** Paths pino removes from every line: credentials never reach a log. */
export const REDACTED_PATHS = [
  "authorization",
  "*.authorization",
  "headers.authorization",
  "req.headers.authorization",
  "req.headers.cookie",
  "headers.cookie",
  "*.secret",
  "secret",
  "*.password",
  "password",
  "*.token",
  "token",
  "*.apiKey",
  "apiKey.secret",
  "*.stripeSecretKey",
  "*.jwtSecret",
  "*.adminToken",
];

export interface LoggerConfig {
  service: string;
  level?: LoggerOptions["level"];
  /** A destination stream (tests); stdout by default. */
  destination?: NodeJS.WritableStream;
}

/**
 * A pino logger for a service: JSON lines, `service` on each, secrets redacted.
 *
 * @example
 * const logger = createLogger({ service: "api", level: env.LOG_LEVEL });
 * logger.info({ tenantId }, "tenant.created");
 */
export function createLogger(config: LoggerConfig): Logger {
  const options: LoggerOptions = {
    level: config.level ?? "info",
    base: { service: config.service },
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return config.destination ? pino(options, config.destination as pino.DestinationStream) : pino(options);
}

export type { Logger } from "pino";
