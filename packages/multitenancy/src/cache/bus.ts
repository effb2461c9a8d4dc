/** @module Invalidation messages between nodes: Redis pub/sub when there is Redis, in-process otherwise. */
import type { Redis } from "ioredis";

/**
 * What changed. A node drops every cached entry the message names; `all` drops everything.
 *
 * @example
 * await bus.publish({ tenantId, slug });
 */
export interface Invalidation {
  tenantId?: string;
  slug?: string;
  /** SHA-256 (hex) of an API key's secret. */
  apiKeyHash?: string;
  all?: boolean;
}

/**
 * Carries invalidations to every node (including the publishing one).
 *
 * @example
 * const off = bus.subscribe((m) => console.log(m));
 */
export interface InvalidationBus {
  publish(message: Invalidation): Promise<void>;
  /** Returns an unsubscribe function. */
  subscribe(handler: (message: Invalidation) => void): () => void;
  close(): Promise<void>;
}

function fanOut() {
  const handlers = new Set<(m: Invalidation) => void>();
  return {
    handlers,
    emit(message: Invalidation) {
      for (const handler of handlers) handler(message);
    },
    subscribe(handler: (m: Invalidation) => void) {
      handlers.add(handler);
      return () => {
        handlers.delete(handler);
      };
    },
  };
}

/**
 * An in-process bus, for a single node (self-hosted, tests): publishing invalidates at once.
 *
 * @example
 * const bus = createLocalBus();
 * const cache = createTenantCache({ loader, bus });
 */
export function createLocalBus(): InvalidationBus {
  const f = fanOut();
  return {
    async publish(message) {
      f.emit(message);
    },
    subscribe: f.subscribe,
    async close() {
      f.handlers.clear();
    },
  };
}

/**
 * The pub/sub channel of tenant invalidations of a deployment: every service that changes tenants
 * (cloud-api, webhook-worker) publishes on it and every cloud-api node listens.
 *
 * @example
 * await createRedisBus({ redis, channel: tenantInvalidationChannel(env.REDIS_KEY_PREFIX) });
 */
export const tenantInvalidationChannel = (prefix: string): string => `${prefix}:{tenants}:invalidate`;

/**
 * Options of {@link createRedisBus}.
 *
 * @example
 * await createRedisBus({ redis, channel: "mt:{invalidate}" });
 */
export interface RedisBusOptions {
  /** A connected client used to publish; a duplicate of it is made for the subscription. */
  redis: Redis;
  /** Pub/sub channel; put your deployment's (or test's) prefix in it. */
  channel: string;
  /** CLIENT SETNAME of the subscriber connection (to find it in `CLIENT LIST`). */
  connectionName?: string;
  /** Where the subscriber connection's errors go (a pino logger fits). @default none: dropped */
  logger?: RedisBusLogger;
}

/**
 * What {@link createRedisBus} logs with; a pino logger fits.
 *
 * @example
 * await createRedisBus({ redis, channel, logger: log.child({ component: "tenant-bus" }) });
 */
export interface RedisBusLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
}

/**
 * A bus over Redis pub/sub. The publishing node applies the message locally before publishing, so
 * its own next request never sees stale data; the others get it within a network round trip.
 * Pub/sub is fire-and-forget: messages sent while a subscriber is disconnected are lost, so on every
 * (re)subscription the handlers receive `{ all: true }` and drop their whole cache. Errors of the
 * subscriber connection (Redis away for a while) are logged once per outage, never thrown.
 *
 * @example
 * const bus = await createRedisBus({ redis, channel: "mt:{invalidate}" });
 */
export async function createRedisBus(options: RedisBusOptions): Promise<InvalidationBus> {
  const { redis, channel } = options;
  const f = fanOut();
  const subscriber = redis.duplicate(
    options.connectionName ? { connectionName: options.connectionName } : {},
  );
  let first = true;
  // ioredis reconnects by itself; without a listener its "error" events would be printed as
  // unhandled (or thrown by EventEmitter). One line per outage: a reconnect loop errors every retry.
  let failing = false;
  subscriber.on("error", (error: Error) => {
    if (failing) return;
    failing = true;
    options.logger?.warn({ err: error, channel }, "invalidation_bus.subscriber_error");
  });
  subscriber.on("message", (ch: string, raw: string) => {
    if (ch !== channel) return;
    try {
      f.emit(JSON.parse(raw) as Invalidation);
    } catch {
      f.emit({ all: true }); // an unreadable message still means "something changed"
    }
  });
  subscriber.on("ready", () => {
    failing = false;
    if (first) return;
    // Redis may go away again before SUBSCRIBE answers; the next "ready" retries it.
    subscriber.subscribe(channel).then(
      () => f.emit({ all: true }),
      (error: unknown) =>
        options.logger?.warn({ err: error, channel }, "invalidation_bus.resubscribe_failed"),
    );
  });
  await subscriber.subscribe(channel);
  first = false;
  return {
    async publish(message) {
      f.emit(message);
      await redis.publish(channel, JSON.stringify(message));
    },
    subscribe: f.subscribe,
    async close() {
      f.handlers.clear();
      subscriber.disconnect();
    },
  };
}
