/** @module createSignup(): validates a signup and runs the saga. */
import { createHash } from "node:crypto";
import { newId, tenants } from "@org/db";
import { checkSlug, getTenant, type TenantRow } from "@org/multitenancy";
import { eq } from "drizzle-orm";
import { isBillingFailure } from "./billing-call.js";
import { createOutboundOnce, type OutboundOnce } from "./outbound-once.js";
import { type IdentityPort, noopIdentity } from "./ports.js";
import { runSaga, type SagaHooks } from "./saga.js";
import type { SignupContext, SignupDeps, SignupInput, SignupStep } from "./signup-context.js";
import { signupSteps } from "./signup-steps.js";
import { createSweeper } from "./sweeper.js";
import { DEFAULT_RESUME_AFTER_MS } from "./tenant-row.js";

/**
 * Options of {@link createSignup}.
 *
 * @example
 * createSignup({ db, bus, billing, apiKeys, plans: ["free", "pro"] });
 */
export interface SignupOptions extends Omit<SignupDeps, "identity" | "once"> {
  identity?: IdentityPort;
  /** Outbound once-only runner (the platform's `runOnce`). @default createOutboundOnce(db) */
  once?: OutboundOnce;
  /** Plans a signup may name. @default ["free", "pro", "enterprise"] */
  plans?: readonly string[];
  /** Plans that go through checkout. @default every plan but "free" */
  isPaid?: (plan: string) => boolean;
  /**
   * Days of the card-less trial a plan offers (the catalogue's `trialDays`). The first signup of an
   * email on such a plan starts a trial; later ones (same normalised email) go through checkout.
   * @default no trials
   */
  trialDays?: (plan: string) => number | undefined;
  hooks?: SagaHooks;
  /**
   * A pending tenant untouched this long is an abandoned signup: a new signup for its slug
   * compensates it and takes the slug (same rule as the sweeper). @default 600_000
   */
  staleAfterMs?: number;
  /**
   * Called when a step throws (the database, Redis, the identity provider, the payment provider),
   * after the compensations ran, with what it threw: log it here, the outcome carries no error
   * message meant for clients. Its own errors are ignored.
   */
  onStepError?: (error: unknown, info: SignupStepErrorInfo) => void;
  /**
   * `retryAfterMs` of a `step_failed` outcome whose compensations all ran: how long a client
   * should wait before retrying a signup that failed on a (presumably brief) outage. @default 1_000
   */
  retryAfterMs?: number;
}

/**
 * What {@link SignupOptions.onStepError} is told besides the error.
 *
 * @example
 * onStepError: (err, info) => log.error({ err, ...info }, "signup.step_failed")
 */
export interface SignupStepErrorInfo {
  step: string;
  tenantId: string;
  slug: string;
  /** False when a compensation threw too: the pending tenant is left for a resumed retry or the sweeper. */
  compensated: boolean;
  compensationStep?: string;
  compensationError?: unknown;
}

/**
 * What a successful signup returns (the secret is shown once).
 *
 * @example
 * const { tenant, apiKey, checkoutUrl } = await signup.run(input);
 */
export interface SignupResult {
  tenant: TenantRow;
  apiKey: { id: string; secret: string };
  checkoutUrl?: string;
}

/**
 * Why a signup was refused: the request names an invalid slug, an unknown plan or a paid plan not
 * sold at the requested interval (nothing was created); the slug is taken; the signup's pending
 * tenant was taken over by the sweeper or a retry before it finished (its own work was undone:
 * retry); the payment provider failed (nothing was created; retry later); or another dependency
 * failed during a step (`step_failed`, see {@link SignupStepFailed}).
 *
 * @example
 * if (!outcome.ok && outcome.reason === "slug_taken") suggestAnotherSlug();
 */
export type SignupFailureReason =
  | "slug_invalid"
  | "plan_not_found"
  | "plan_not_sold"
  | "slug_taken"
  | "signup_claimed"
  | "billing_failed"
  | "step_failed";

/**
 * An expected refusal of {@link Signup.run}, with a human detail.
 *
 * @example
 * if (!outcome.ok && outcome.reason === "slug_taken") console.log(outcome.detail);
 */
export interface SignupRefusal {
  ok: false;
  reason: Exclude<SignupFailureReason, "step_failed">;
  detail: string;
}

/**
 * A step failed unexpectedly (the database or Redis briefly unavailable, the identity provider
 * down) and the steps done so far were compensated, or, when `compensated` is false, a
 * compensation failed too and the pending tenant is held for this request. Retrying the same
 * request (same Idempotency-Key and body) after `retryAfterMs` is safe: it starts afresh, or
 * resumes the held tenant once it has been idle for `resumeAfterMs`. The cause went to
 * `onStepError`.
 *
 * @example
 * if (!outcome.ok && outcome.reason === "step_failed") res.headers.set("Retry-After", String(Math.ceil(outcome.retryAfterMs / 1000)));
 */
export interface SignupStepFailed {
  ok: false;
  reason: "step_failed";
  detail: string;
  step: string;
  compensated: boolean;
  /** When a retry of the same request can succeed, in ms from now (at least `retryAfterMs`). */
  retryAfterMs: number;
}

/**
 * What {@link Signup.run} returns: the new tenant, or an expected refusal with a human detail.
 *
 * @example
 * const outcome = await signup.run(input);
 * if (outcome.ok) return outcome.value.apiKey;
 */
export type SignupOutcome = { ok: true; value: SignupResult } | SignupRefusal | SignupStepFailed;

/**
 * SignupRunOptions
 *
 * @example
 * await signup.run(input, { requestKey: c.req.header("idempotency-key") });
 */
export interface SignupRunOptions {
  /**
   * The request's Idempotency-Key. The tenant id is derived from it, so a retry of a signup that
   * crashed half-way (its tenant still `pending`) resumes that signup instead of meeting its own
   * slug as taken. Without it every run starts afresh.
   */
  requestKey?: string;
}

/**
 * The signup use case.
 *
 * @example
 * const result = await createSignup({ db, bus, billing, apiKeys }).run(input);
 */
export interface Signup {
  run(input: SignupInput, options?: SignupRunOptions): Promise<SignupOutcome>;
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/**
 * The tenant id a signup with this Idempotency-Key, slug and email gets: `ten_` and 20 base62
 * characters of a SHA-256 of them, shaped like `newId("tenant")`.
 *
 * @example
 * signupTenantId("3f2c...-uuid", { slug: "acme", email: "a@acme.test" }); // "ten_Xy..."
 */
export function signupTenantId(requestKey: string, input: Pick<SignupInput, "slug" | "email">): string {
  // The slug and email are part of it: two callers who happen to pick the same key get two ids.
  const digest = createHash("sha256")
    .update(["signup", requestKey, input.slug, input.email].join("\u0000"))
    .digest();
  let out = "ten_";
  for (let i = 0; i < 20; i++) out += BASE62[digest[i]! % 62];
  return out;
}

/**
 * Creates the signup use case. `run` checks the slug and plan, then runs the saga
 * (reserve -> customer -> identity -> first API key -> checkout on paid plans -> activate).
 * A failure after an external step compensates in reverse; what a crash leaves pending the sweeper
 * cleans up ({@link createSweeper}).
 *
 * A step that throws for another reason than the payment provider (the database, Redis, the
 * identity provider) ends in a `step_failed` outcome after its compensations, its error passed to
 * `onStepError`.
 *
 * @throws {Error} for bugs
 * @example
 * const signup = createSignup({ db, bus, billing, apiKeys });
 * const { tenant, apiKey, checkoutUrl } = await signup.run({ name, slug, email, plan: "pro", interval: "month" });
 */
export function createSignup(options: SignupOptions): Signup {
  const {
    plans = ["free", "pro", "enterprise"],
    isPaid = (plan: string) => plan !== "free",
    identity = noopIdentity,
    once = createOutboundOnce(options.db),
    hooks,
    onStepError,
    retryAfterMs = 1_000,
    resumeAfterMs = DEFAULT_RESUME_AFTER_MS,
  } = options;
  const reclaimSlug = createSlugReclaimer({ ...options, identity, once });
  const steps = signupSteps({ ...options, identity, once, reclaimSlug });
  return {
    async run(input, runOptions = {}) {
      const refusal = refuseRequest(input, { plans, isPaid, billing: options.billing });
      if (refusal) return refusal;
      const tenantId = runOptions.requestKey ? signupTenantId(runOptions.requestKey, input) : newId("tenant");
      const trialDays = options.trialDays?.(input.plan);
      const ctx: SignupContext = {
        input,
        tenantId,
        paid: isPaid(input.plan),
        ...(trialDays ? { trialDays } : {}),
      };
      const failure = await runSignupSaga(steps, ctx, hooks, { onStepError, retryAfterMs, resumeAfterMs });
      if (failure) return failure;
      const tenant = await getTenant(options.db, ctx.tenantId);
      if (!tenant || !ctx.apiKey) throw new Error("signup finished without a tenant or key");
      return {
        ok: true,
        value: {
          tenant,
          apiKey: { id: ctx.apiKey.id, secret: ctx.apiKey.secret },
          ...(ctx.checkout ? { checkoutUrl: ctx.checkout.url } : {}),
        },
      };
    },
  };
}

/** What is wrong with the request itself, before anything is created: slug, plan, interval. */
function refuseRequest(
  input: SignupInput,
  rules: { plans: readonly string[]; isPaid: (plan: string) => boolean; billing: SignupDeps["billing"] },
): SignupRefusal | undefined {
  const slug = checkSlug(input.slug);
  if (!slug.ok) return { ok: false, reason: "slug_invalid", detail: `Slug ${slug.reason}.` };
  if (!rules.plans.includes(input.plan)) {
    return { ok: false, reason: "plan_not_found", detail: `Unknown plan "${input.plan}".` };
  }
  if (rules.isPaid(input.plan) && !rules.billing.sellsPlan(input.plan, input.interval)) {
    return {
      ok: false,
      reason: "plan_not_sold",
      detail: `The plan "${input.plan}" is not sold with a ${input.interval}ly price.`,
    };
  }
  return undefined;
}

/**
 * Runs the saga: a step's refusal is returned as it is, a failure of the payment provider as
 * `billing_failed`, any other failure as `step_failed` with when to retry.
 */
async function runSignupSaga(
  steps: readonly SignupStep[],
  ctx: SignupContext,
  hooks: SagaHooks | undefined,
  options: {
    onStepError: SignupOptions["onStepError"];
    retryAfterMs: number;
    resumeAfterMs: number;
  },
): Promise<SignupRefusal | SignupStepFailed | undefined> {
  const outcome = await runSaga(steps, ctx, hooks);
  if (outcome.ok) return undefined;
  if (outcome.reason !== "step_failed") return { ok: false, reason: outcome.reason, detail: outcome.detail };
  try {
    options.onStepError?.(outcome.error, {
      step: outcome.step,
      tenantId: ctx.tenantId,
      slug: ctx.input.slug,
      compensated: outcome.compensated,
      ...(outcome.compensated
        ? {}
        : { compensationStep: outcome.compensationStep, compensationError: outcome.compensationError }),
    });
  } catch {
    // A logger that throws must not turn a handled failure into an unhandled one.
  }
  if (!outcome.refusal && isBillingFailure(outcome.error)) {
    return {
      ok: false,
      reason: "billing_failed",
      detail: `Signup could not be completed (the payment provider failed in the ${outcome.step} step); nothing was created. Retry later.`,
    };
  }
  if (outcome.compensated) {
    return {
      ok: false,
      reason: "step_failed",
      step: outcome.step,
      compensated: true,
      retryAfterMs: options.retryAfterMs,
      detail: `Signup could not be completed: a service it depends on failed in the ${outcome.step} step. Everything it had done was undone. Retry later.`,
    };
  }
  // The pending tenant is left with this attempt's last version: a retry of the same request
  // resumes it once it has been idle for resumeAfterMs (before that it would meet its own slug as
  // taken), and the sweeper compensates it after staleAfterMs if nobody comes back.
  const idleMs = ctx.version ? Date.now() - ctx.version.getTime() : 0;
  return {
    ok: false,
    reason: "step_failed",
    step: outcome.step,
    compensated: false,
    retryAfterMs: Math.max(options.retryAfterMs, options.resumeAfterMs - idleMs),
    detail: `Signup could not be completed: a service it depends on failed in the ${outcome.step} step, and undoing it has not finished. Retry the same request (same Idempotency-Key and body) after Retry-After seconds to resume it.`,
  };
}

/**
 * A pending tenant untouched for `staleAfterMs` is an abandoned signup: the sweeper's compensation
 * frees its slug for a new signup.
 */
function createSlugReclaimer(
  options: Pick<SignupOptions, "db" | "billing" | "staleAfterMs" | "stepTimeoutMs"> &
    Pick<SignupDeps, "identity" | "once">,
): (slug: string) => Promise<boolean> {
  const sweeper = createSweeper({
    db: options.db,
    billing: options.billing,
    identity: options.identity,
    once: options.once,
    staleAfterMs: options.staleAfterMs,
    stepTimeoutMs: options.stepTimeoutMs,
  });
  const staleAfterMs = options.staleAfterMs ?? 600_000;
  return async (slug) => {
    const [row] = await options.db.select().from(tenants).where(eq(tenants.slug, slug));
    if (row?.status !== "pending" || row.updatedAt.getTime() > Date.now() - staleAfterMs) return false;
    return sweeper.compensate(row);
  };
}
