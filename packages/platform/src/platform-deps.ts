/** @module Builds the shared dependencies of the v1 pipeline from a database and, optionally, Redis. */
import { type BillingDeps, createStripeClient, type PlanCatalog } from "@org/billing";
import type { Database } from "@org/db";
import {
  createIdempotencySweeper,
  createPostgresStore,
  createRedisStore as createRedisIdempotencyStore,
  createStripeOperations,
  type IdempotencyStore,
} from "@org/idempotency";
import {
  type ApiKeyService,
  createApiKeyService,
  createJwtVerifier,
  createLastUsedBatcher,
  createLocalBus,
  createRedisBus,
  createTenantCache,
  createTenantLoader,
  type InvalidationBus,
  type JwtVerifier,
  type TenantCache,
  tenantInvalidationChannel,
} from "@org/multitenancy";
import {
  createMemoryStore,
  createRateLimiter,
  createRedisStore as createRedisRateStore,
  type RateLimiter,
} from "@org/ratelimit";
import type { Logger, ServiceMetrics } from "@org/server-kit";
import {
  type CounterBufferStats,
  createRedisCounterStore,
  createUsageMetering,
  type UsageMetering,
} from "@org/usage-metering";
import type { Redis } from "ioredis";
import { Counter, Gauge } from "prom-client";
import type { PlatformPlans } from "./plans.js";
import { enqueueUsageAlert } from "./usage-alert-outbox.js";

/** What mountV1 needs: the stores, caches and services the v1 routes are built on. */
export interface PlatformDeps {
  db: Database;
  plans: PlatformPlans;
  bus: InvalidationBus;
  tenantCache: TenantCache;
  apiKeys: ApiKeyService;
  jwt?: JwtVerifier;
  idempotencyStore: IdempotencyStore;
  limiter: RateLimiter;
  metering: UsageMetering;
  /** Billing routes are served when present; otherwise they answer 501 billing_not_configured. */
  billing?: BillingDeps;
  /** Enables `/admin/*` (tenants) behind this bearer token, and the admin console it logs in to. */
  adminToken?: string;
}

export interface PlatformDepsOptions {
  /** Names this service's keys in Redis (`<service>:`) and its connections. */
  service: string;
  db: Database;
  /** Absent: memory rate limits and local invalidation (one process); idempotency in the database. */
  redis?: Redis;
  logger: Logger;
  metrics: ServiceMetrics;
  catalog: PlanCatalog;
  plans: PlatformPlans;
  jwt?: { secret: string; issuer?: string; audience?: string };
  /** Enables billing. */
  stripe?: { secretKey: string; apiBase?: string; publicUrl: string };
  adminToken?: string;
  /** Rate-limit units a node may take in advance per decision (0: every decision in Redis). @default 0 */
  leaseUnits?: number;
  /** How long a rate-limit decision waits for Redis. @default 100 */
  rateLimitStoreTimeoutMs?: number;
  /** Nodes sharing the rate limits, for the insurance limiter while Redis is down. @default 1 */
  expectedNodes?: number;
  /** Plan of a tenant the cache does not know (should not happen behind resolution). */
  fallbackPlan: string;
}

export interface BuiltPlatformDeps extends PlatformDeps {
  /** Stops timers, flushes the metering buffer and last-used batches, closes subscriptions. */
  close(): Promise<void>;
}

/**
 * Everything the v1 pipeline needs, on Redis when given (several nodes) or in memory (one process).
 *
 * @example
 * const platform = await createPlatformDeps({ service: "api", db, redis, logger, metrics, catalog, plans, fallbackPlan: "free" });
 * mountV1(app, platform, { tenants: { baseDomain } });
 */
export async function createPlatformDeps(options: PlatformDepsOptions): Promise<BuiltPlatformDeps> {
  const { db, redis, plans } = options;
  const prefix = `${options.service}:`;
  const tenancy = await createTenancy(options);
  const { bus, tenantCache, apiKeys, lastUsed } = tenancy;
  const { idempotencyStore, sweeper } = createIdempotency(db, redis, prefix);
  const limiter = createPlatformLimiter(options, prefix);
  const metering = createPlatformMetering(options, prefix, tenantCache);
  registerScrapeGauges(options.metrics, metering, tenantCache);
  const billing = createPlatformBilling(options, bus);
  // A tenant's alert settings (spend caps) changed on some node: reload them here too, rather than
  // enforcing a stale cap for up to the metering's cache TTL. `{ all: true }` (a Redis reconnect)
  // leaves them to the TTL: the spend-cap cache has no bulk reload.
  const unsubscribeCaps = bus.subscribe((message) => {
    if (message.tenantId) void metering.reloadAlertSettings(message.tenantId);
  });

  return {
    db,
    plans,
    bus,
    tenantCache,
    apiKeys,
    jwt: tenancy.jwt,
    idempotencyStore,
    limiter,
    metering,
    billing,
    adminToken: options.adminToken,
    async close() {
      sweeper.stop();
      unsubscribeCaps();
      await metering.close();
      await lastUsed.close();
      apiKeys.close();
      tenantCache.close();
      await bus.close();
    },
  };
}

/** Tenant resolution and credentials: the invalidation bus, the tenant cache, API keys, JWTs. */
async function createTenancy(options: PlatformDepsOptions) {
  const { db, redis } = options;
  const bus = redis
    ? await createRedisBus({
        redis,
        channel: tenantInvalidationChannel(options.service),
        logger: options.logger.child({ component: "tenant-bus" }),
      })
    : createLocalBus();
  const tenantCache = createTenantCache({ loader: createTenantLoader(db), bus });
  const lastUsed = createLastUsedBatcher({ db });
  const apiKeys = createApiKeyService({ db, bus, onUsed: lastUsed.touch });
  const jwt = options.jwt ? createJwtVerifier(options.jwt) : undefined;
  return { bus, tenantCache, lastUsed, apiKeys, jwt };
}

/** The idempotency store (Redis when given) and the started sweeper of the Postgres table. */
function createIdempotency(db: Database, redis: Redis | undefined, prefix: string) {
  const postgresIdempotency = createPostgresStore({ db });
  const idempotencyStore = redis ? createRedisIdempotencyStore({ redis, prefix }) : postgresIdempotency;
  // Redis expires its records itself; the table needs a sweeper (signup keeps using it too).
  const sweeper = createIdempotencySweeper({ store: postgresIdempotency });
  sweeper.start();
  return { idempotencyStore, sweeper };
}

/** The rate limiter on Redis (or memory), its events counted in `ratelimit_events_total`. */
function createPlatformLimiter(options: PlatformDepsOptions, prefix: string): RateLimiter {
  const { redis } = options;
  const limiterEvents = new Counter({
    name: "ratelimit_events_total",
    help: "Rate limiter events: store errors, fallback decisions, recoveries, blocked-cache hits.",
    labelNames: ["event"] as const,
    registers: [options.metrics.registry],
  });
  return createRateLimiter({
    store: redis
      ? createRedisRateStore({ redis, prefix, timeoutMs: options.rateLimitStoreTimeoutMs })
      : createMemoryStore(),
    expectedNodes: options.expectedNodes ?? 1,
    leaseUnits: options.leaseUnits ?? 0,
    logger: options.logger.child({ component: "ratelimit" }),
    metrics: { increment: (name) => limiterEvents.inc({ event: name }) },
  });
}

/** Usage metering priced by each tenant's plan, with flush metrics and threshold notifications. */
function createPlatformMetering(
  options: PlatformDepsOptions,
  prefix: string,
  tenantCache: TenantCache,
): UsageMetering {
  const { db, redis, logger, metrics, plans } = options;
  const flushedUnits = new Counter({
    name: "metering_flushed_units_total",
    help: "API-call units written to Postgres by the counter flush.",
    registers: [metrics.registry],
  });
  const lastFlush = new Gauge({
    name: "metering_last_flush_timestamp_seconds",
    help: "When the counter buffer was last flushed (flush lag = now - this).",
    registers: [metrics.registry],
  });
  return createUsageMetering({
    db,
    planFor: async (tenantId) =>
      plans.metering((await tenantCache.byId(tenantId))?.plan ?? options.fallbackPlan),
    counters: redis ? createRedisCounterStore(redis, { prefix }) : undefined,
    onFlush: ({ units }) => {
      flushedUnits.inc(units);
      lastFlush.set(Date.now() / 1000);
    },
    // In the claim's transaction: the claim and the outbox row commit together or not at all.
    onThresholdReached: (alert, tx) => enqueueUsageAlert(tx, alert),
    onError: (error) => logger.warn({ err: error }, "metering.background_error"),
    onQuarantine: (batch) =>
      logger.error(
        { flushId: batch.id, reason: batch.reason, err: batch.error, rows: batch.rows },
        "metering.quarantined",
      ),
  });
}

/** Gauges read at scrape time: the metering counter buffer and the tenant cache's hit ratio. */
function registerScrapeGauges(
  metrics: ServiceMetrics,
  metering: UsageMetering,
  tenantCache: TenantCache,
): void {
  // The counter buffer while Postgres is slow or away: what waits, since when, what was set aside.
  const bufferGauges: [name: string, help: string, read: (s: CounterBufferStats) => number][] = [
    ["metering_buffered_units", "Counted units not yet written to Postgres.", (s) => s.bufferedUnits],
    [
      "metering_oldest_unflushed_age_seconds",
      "Age of the oldest count not yet written to Postgres (0 when all are written).",
      (s) => s.oldestUnflushedAgeMs / 1000,
    ],
    [
      "metering_quarantined_units",
      "Counted units set aside because Postgres rejects their rows (logged as metering.quarantined).",
      (s) => s.quarantinedUnits,
    ],
  ];
  for (const [name, help, read] of bufferGauges) {
    new Gauge({
      name,
      help,
      registers: [metrics.registry],
      collect() {
        this.set(read(metering.stats()));
      },
    });
  }
  new Gauge({
    name: "tenant_cache_hit_ratio",
    help: "Share of tenant lookups answered from the cache.",
    registers: [metrics.registry],
    collect() {
      const m = tenantCache.metrics();
      this.set(m.lookups ? (m.hits + m.negativeHits) / m.lookups : 0);
    },
  });
}

/**
 * Billing on Stripe when `options.stripe` is set. The `billing_events_total` counter is registered
 * whether billing is enabled or not.
 */
function createPlatformBilling(options: PlatformDepsOptions, bus: InvalidationBus): BillingDeps | undefined {
  const { db, catalog, logger } = options;
  const billingEvents = new Counter({
    name: "billing_events_total",
    help: "Billing events worth an alert: unknown prices, duplicate subscriptions cancelled, stale snapshots skipped.",
    labelNames: ["event"] as const,
    registers: [options.metrics.registry],
  });
  if (!options.stripe) return undefined;
  const { publicUrl } = options.stripe;
  return {
    db,
    stripe: createStripeClient({ secretKey: options.stripe.secretKey, apiBase: options.stripe.apiBase }),
    catalog,
    operations: createStripeOperations({ db }),
    urls: {
      checkoutSuccess: `${publicUrl}/v1/billing/checkout/complete?session_id={CHECKOUT_SESSION_ID}`,
      checkoutCancel: `${publicUrl}/`,
      portalReturn: `${publicUrl}/`,
    },
    logger: logger.child({ component: "billing" }),
    metrics: { increment: (name) => billingEvents.inc({ event: name }) },
    onTenantChanged: (tenantId) => bus.publish({ tenantId }),
  };
}
