import { signedWebhookRequest } from "../src/testing.js";

export const WEBHOOK_SECRET = "whsec_test_intake_secret";

/** A `POST /webhooks/stripe` request init signed with {@link WEBHOOK_SECRET} (or `secret`). */
export const signedRequest = (
  event: unknown,
  options: { secret?: string; timestamp?: number; body?: string } = {},
) => signedWebhookRequest(event, { ...options, secret: options.secret ?? WEBHOOK_SECRET });
