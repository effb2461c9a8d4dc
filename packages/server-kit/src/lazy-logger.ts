/** @module A request's child logger, built only when something logs through it. */
import type { Logger } from "pino";

/**
 * A stand-in for `make()`'s logger that calls `make` on first use and forwards everything to the
 * result. A pino child costs about 2 µs (its bindings are serialized and redacted up front), and
 * most requests never log through theirs: the access-log line is written by `observe()` itself.
 *
 * @example
 * c.set("log", lazyLogger(() => logger.child({ requestId })));
 */
export function lazyLogger(make: () => Logger): Logger {
  let logger: Logger | undefined;
  return new Proxy({} as Logger, {
    get(_target, property) {
      logger ??= make();
      const value = Reflect.get(logger, property, logger);
      return typeof value === "function" ? value.bind(logger) : value;
    },
    set(_target, property, value) {
      logger ??= make();
      return Reflect.set(logger, property, value, logger);
    },
    has(_target, property) {
      logger ??= make();
      return Reflect.has(logger, property);
    },
  });
}
