/** @module The Stripe client factory: pinned API version, retries, timeout, base URL override. */
import Stripe from "stripe";
import { z } from "zod";

/** The Stripe API version the platform is written and tested against. Bump deliberately. */
export const STRIPE_API_VERSION = "2026-10-28.endive";

export const stripeClientConfigSchema = z.object({
  secretKey: z
    .string()
    .regex(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/, "must be a Stripe secret or restricted key"),
  /** e.g. `http://127.0.0.1:12111` to talk to the Stripe stand-in. */
  apiBase: z.url({ protocol: /^https?$/ }).optional(),
  timeoutMs: z.number().int().positive().default(10_000),
  /** Retries of failed network calls; the SDK reuses its idempotency key across them. */
  maxNetworkRetries: z.number().int().min(0).max(10).default(2),
});

export type StripeClientConfig = z.input<typeof stripeClientConfigSchema>;

/**
 * A configured Stripe client. Validates its config; throws a plain Error on bad config.
 *
 * @example
 * const stripe = createStripeClient({ secretKey: env.STRIPE_SECRET_KEY, apiBase: env.STRIPE_API_BASE });
 */
export function createStripeClient(config: StripeClientConfig): Stripe {
  const parsed = stripeClientConfigSchema.safeParse(config);
  if (!parsed.success) {
    throw new Error(
      `invalid Stripe config: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  }
  const { secretKey, apiBase, timeoutMs, maxNetworkRetries } = parsed.data;
  const base = apiBase ? new URL(apiBase) : undefined;
  return new Stripe(secretKey, {
    apiVersion: STRIPE_API_VERSION as Stripe.StripeConfig["apiVersion"],
    timeout: timeoutMs,
    maxNetworkRetries,
    telemetry: false,
    appInfo: { name: "org-billing" },
    ...(base
      ? {
          host: base.hostname,
          port: Number(base.port || (base.protocol === "https:" ? 443 : 80)),
          protocol: base.protocol.replace(":", "") as "http" | "https",
        }
      : {}),
  });
}
