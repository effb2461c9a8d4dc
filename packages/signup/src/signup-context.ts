/** @module What the signup saga's steps share: the request, the context they fill in, their dependencies. */
import type { Database } from "@org/db";
import type { ApiKeyService, CreatedApiKey, InvalidationBus } from "@org/multitenancy";
import type { OutboundOnce } from "./outbound-once.js";
import type { BillingPort, IdentityPort } from "./ports.js";
import type { SagaStep, StepFailure } from "./saga.js";

/**
 * A validated signup request.
 *
 * @example
 * await signup.run({ name: "Acme", slug: "acme", email: "a@acme.test", plan: "pro", interval: "month" });
 */
export interface SignupInput {
  name: string;
  slug: string;
  email: string;
  plan: string;
  interval: "month" | "year";
}

/**
 * What the steps share; each step reads what earlier ones wrote.
 *
 * @example
 * await runSaga(signupSteps(deps), { input, tenantId: newId("tenant"), paid: true });
 */
export interface SignupContext {
  input: SignupInput;
  tenantId: string;
  paid: boolean;
  /** Days of a card-less trial the plan offers; the trial is granted only if the claim succeeds. */
  trialDays?: number;
  /** This signup holds the trial claim of its email: it starts a trial instead of a checkout. */
  trial?: boolean;
  trialSubscriptionId?: string;
  /** Set by reserve once the row is ours: only then may a compensation delete it. */
  reserved?: boolean;
  /**
   * The `updated_at` this signup last wrote on its tenant row. Every later write of the saga
   * requires it unchanged: a sweeper's claim moves it, after which this signup may not activate.
   */
  version?: Date;
  customerId?: string;
  apiKey?: CreatedApiKey;
  checkout?: { id: string; url: string };
}

/**
 * What the saga's steps call.
 *
 * @example
 * signupSteps({ db, bus, billing, identity: noopIdentity, apiKeys, once });
 */
export interface SignupDeps {
  db: Database;
  bus: InvalidationBus;
  billing: BillingPort;
  identity: IdentityPort;
  apiKeys: ApiKeyService;
  once: OutboundOnce;
  /** Per outbound call. @default 10_000 */
  stepTimeoutMs?: number;
  /**
   * Called when the slug is taken: frees it if it is held by an abandoned signup (a stale pending
   * tenant) and says whether it did, so a retried signup need not wait for the next sweep.
   */
  reclaimSlug?: (slug: string) => Promise<boolean>;
  /**
   * A retried request resumes its own pending signup only when that row has been idle this long,
   * so it cannot run beside an attempt still in progress. Keep it above the longest saga run and
   * at most the Idempotency-Key lock TTL. @default 60_000
   */
  resumeAfterMs?: number;
}

/**
 * Expected refusals of the signup steps: the slug is taken, or the signup's pending tenant row was
 * claimed by the sweeper (or a resumed retry) before this run finished with it.
 *
 * @example
 * if (outcome.reason === "slug_taken") ...
 */
export type SignupStepFailure = "slug_taken" | "signup_claimed";

/**
 * A step of the signup saga.
 *
 * @example
 * const step: SignupStep = { name: "api_key", run: async (ctx) => {...}, compensate: async (ctx) => {...} };
 */
export type SignupStep = SagaStep<SignupContext, SignupStepFailure>;

/**
 * The refusal of a step that finds its tenant row no longer this signup's: it must not touch the
 * row any more, and the saga compensates its own external steps.
 *
 * @example
 * if (!version) return signupClaimed(ctx);
 */
export function signupClaimed(ctx: SignupContext): StepFailure<"signup_claimed"> {
  return {
    ok: false,
    reason: "signup_claimed",
    detail: `The pending signup of tenant ${ctx.tenantId} was taken over (by the cleanup of idle signups or a retry of the same request); nothing of this attempt was kept. Retry the request.`,
  };
}
