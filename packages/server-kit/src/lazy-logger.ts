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
  // The per-request part is this small target; the handler is shared by every request.
  return new Proxy({ make, logger: undefined } as unknown as Logger, HANDLER);
}

interface Lazy {
  make: () => Logger;
  logger: Logger | undefined;
}

const resolve = (target: Lazy): Logger => {
  target.logger ??= target.make();
  return target.logger;
};

const HANDLER: ProxyHandler<Logger> = {
  get(target, property) {
    const logger = resolve(target as unknown as Lazy);
    const value = Reflect.get(logger, property, logger);
    return typeof value === "function" ? value.bind(logger) : value;
  },
  set(target, property, value) {
    const logger = resolve(target as unknown as Lazy);
    return Reflect.set(logger, property, value, logger);
  },
  has(target, property) {
    return Reflect.has(resolve(target as unknown as Lazy), property);
  },
};
