/** @module The webhook-worker's configuration: the only file that reads process.env. */
import { DEFAULT_RETRY_SCHEDULE } from "@org/billing";
import { apiEnv, ConfigError, parseConfig, serviceEnv } from "@org/server-kit";
import { z } from "zod";

const secretList = z
  .string()
  .min(1)
  .transform((s) =>
    s
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean),
  )
  .refine(
    (list) => list.length > 0 && list.every((x) => x.startsWith("whsec_")),
    "comma-separated whsec_... secrets",
  );

export const envSchema = z
  .object({
    ...serviceEnv,
    STRIPE_API_BASE: apiEnv.STRIPE_API_BASE,
    PLANS_FILE: apiEnv.PLANS_FILE,
    PORT: z.coerce.number().int().min(0).max(65_535).default(3002),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: "DATABASE_URL (postgres://...) is required" }),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    /** Redis of the cloud-api nodes: plan changes from webhooks invalidate their tenant caches at once. */
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
    /** Must equal cloud-api's REDIS_KEY_PREFIX: the invalidation channel is named after it. */
    REDIS_KEY_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/)
      .default("cloud"),
    STRIPE_WEBHOOK_SECRET: secretList,
    STRIPE_SECRET_KEY: z.string().min(1).optional(),
    /** all: intake and workers in one process; intake or worker to scale them apart. */
    WEBHOOK_WORKER_MODE: z.enum(["all", "intake", "worker"]).default("all"),
    /** Minutes between two scheduled reconciles of every customer with Stripe; 0 turns it off. */
    RECONCILE_INTERVAL_MINUTES: z.coerce.number().int().min(0).max(10_080).default(60),
    /** Milliseconds between two drains of the notifications outbox; 0 turns delivery off. */
    NOTIFICATIONS_INTERVAL_MS: z.coerce.number().int().min(0).default(5_000),
    /** Where notifications are POSTed as signed JSON; without it they are written to the log. */
    NOTIFICATIONS_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** The HMAC-SHA256 key of the Notification-Signature header; required with the URL. */
    NOTIFICATIONS_WEBHOOK_SECRET: z.string().min(32).optional(),
    /** Processed inbox events older than this are deleted (hourly, by the workers). */
    WEBHOOK_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
    WEBHOOK_TOLERANCE_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
    WORKER_COUNT: z.coerce.number().int().min(1).max(64).default(2),
    WORKER_BATCH_SIZE: z.coerce.number().int().min(1).max(500).default(20),
    WORKER_POLL_MS: z.coerce.number().int().min(10).default(1000),
    WORKER_LOCK_MS: z.coerce.number().int().min(1000).default(30_000),
    /** The first retry's delay ceiling; it doubles per attempt (jittered) up to the cap. */
    WORKER_RETRY_BASE_MS: z.coerce.number().int().min(0).default(DEFAULT_RETRY_SCHEDULE.baseMs),
    WORKER_RETRY_CAP_MS: z.coerce.number().int().min(0).default(DEFAULT_RETRY_SCHEDULE.capMs),
    /** How long after arrival a failing event is retried before it is `dead` (Stripe: 3 days). */
    WORKER_RETRY_WINDOW_MS: z.coerce.number().int().min(0).default(DEFAULT_RETRY_SCHEDULE.windowMs),
  })
  .superRefine((env, ctx) => {
    if (env.NOTIFICATIONS_WEBHOOK_URL && !env.NOTIFICATIONS_WEBHOOK_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["NOTIFICATIONS_WEBHOOK_SECRET"],
        message: "required with NOTIFICATIONS_WEBHOOK_URL: the receiver verifies the signature",
      });
    }
    if (env.WEBHOOK_WORKER_MODE !== "intake" && !env.STRIPE_SECRET_KEY) {
      ctx.addIssue({
        code: "custom",
        path: ["STRIPE_SECRET_KEY"],
        message: "required to process events (WEBHOOK_WORKER_MODE=all or worker): sync reads Stripe",
      });
    }
  });

export type Env = z.infer<typeof envSchema>;

export { ConfigError };

/** Parses the environment once, at start. Throws ConfigError listing every problem. */
export const parseEnv = (source: Record<string, string | undefined> = process.env): Env =>
  parseConfig(envSchema, source);
