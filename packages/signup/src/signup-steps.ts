/** @module The signup saga's steps, each with its compensation, testable one by one. */
import { apiKeys, type Database, tenants } from "@org/db";
import { type ApiKeyService, type CreatedApiKey, type InvalidationBus, writeAudit } from "@org/multitenancy";
import { and, eq, lt } from "drizzle-orm";
import type { OutboundOnce } from "./outbound-once.js";
import { readOutbound, retireOutbound } from "./outbound-once.js";
import type { BillingPort, IdentityPort } from "./ports.js";
import type { SagaStep } from "./saga.js";

/**
 * Expected refusals of the signup steps.
 *
 * @example
 * if (outcome.reason === "slug_taken") ...
 */
export type SignupStepFailure = "slug_taken";
/** A step of the signup saga. */
export type SignupStep = SagaStep<SignupContext, SignupStepFailure>;
type Step = SignupStep;

import { subscriptionStep, trialClaimStep } from "./subscription-steps.js";
import { withTimeout } from "./timeout.js";

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
 * `stripe_operations.operation` of the customer creation.
 *
 * @example
 * await readOutbound(db, CUSTOMER_OPERATION, tenantId);
 */
export const CUSTOMER_OPERATION = "customer:create";

/**
 * The tenant row of a signup in progress was claimed by the sweeper (or a resumed retry): this run
 * must not touch it any more and compensates its own external steps.
 *
 * @example
 * if (error.cause instanceof SignupClaimedError) log.info("signup lost its row to the sweeper");
 */
export class SignupClaimedError extends Error {
  constructor(tenantId: string) {
    super(`tenant ${tenantId} is no longer this signup's pending row`);
    this.name = "SignupClaimedError";
  }
}

/**
 * Deletes the Stripe customer of a tenant whatever the state of its creation: recorded (delete it),
 * attempted with an unknown outcome (replay the same idempotency key, which returns the customer
 * Stripe made or makes it now, then delete it), never attempted (nothing to do). Then retires the
 * `customer:create` record, so a retried signup of the same tenant id makes a new customer under a
 * new key instead of getting the deleted one back. Retiring comes last: a crash before it leaves a
 * record that the next compensation deletes again (deleting is idempotent), never a lost customer.
 *
 * @example
 * await deleteTenantCustomer(deps, tenantId, row.stripeCustomerId);
 */
export async function deleteTenantCustomer(
  deps: Pick<SignupDeps, "db" | "billing" | "once" | "stepTimeoutMs">,
  tenantId: string,
  known: { email: string; name: string; customerId?: string | null },
): Promise<void> {
  const ms = deps.stepTimeoutMs ?? 10_000;
  let customerId = known.customerId ?? undefined;
  if (!customerId) {
    const record = await readOutbound(deps.db, CUSTOMER_OPERATION, tenantId);
    if (!record) return;
    customerId =
      record.resourceId ??
      (
        await withTimeout(
          "billing.createCustomer (replay)",
          ms,
          deps.billing.createCustomer({
            tenantId,
            email: known.email,
            name: known.name,
            idempotencyKey: record.idempotencyKey,
          }),
        )
      ).id;
  }
  await withTimeout("billing.deleteCustomer", ms, deps.billing.deleteCustomer(customerId));
  await retireOutbound(deps.db, CUSTOMER_OPERATION, tenantId);
}

/**
 * Creates the tenant's Stripe customer once (`customer:create` keyed by the tenant id). A retry more
 * than 24 h after an unanswered first call, when Stripe has forgotten the key, asks
 * `billing.findCustomer` for the customer that call may have made; a port without it makes that
 * retry fail with `stripe_operation_stale` (the sweeper then compensates the signup).
 *
 * @example
 * const customerId = await createTenantCustomer(deps, tenantId, { email, name });
 */
export function createTenantCustomer(
  deps: Pick<SignupDeps, "billing" | "once" | "stepTimeoutMs">,
  tenantId: string,
  input: { email: string; name: string },
): Promise<string> {
  const { billing } = deps;
  const ms = deps.stepTimeoutMs ?? 10_000;
  const findCustomer = billing.findCustomer?.bind(billing);
  return deps.once(
    CUSTOMER_OPERATION,
    tenantId,
    // The timeout bounds the remote call only, not our own bookkeeping around it.
    (idempotencyKey) =>
      withTimeout(
        "billing.createCustomer",
        ms,
        billing.createCustomer({ tenantId, email: input.email, name: input.name, idempotencyKey }),
      ),
    findCustomer ? { find: () => withTimeout("billing.findCustomer", ms, findCustomer(tenantId)) } : {},
  );
}

/**
 * The steps of a signup in order: reserve the slug, create the customer, the identity provider's
 * organisation, the first API key, the checkout session (paid plans), activation.
 *
 * @example
 * await runSaga(signupSteps(deps), ctx);
 */
export function signupSteps(deps: SignupDeps): Step[] {
  const { db, bus, billing, identity, apiKeys: keys } = deps;
  const ms = deps.stepTimeoutMs ?? 10_000;
  const resumeAfterMs = deps.resumeAfterMs ?? 60_000;

  /**
   * The tenant row as this signup last left it: still pending, `updated_at` unchanged. A sweeper's
   * claim is an UPDATE of the same row that moves `updated_at`; Postgres serialises the two
   * UPDATEs on the row lock and re-checks this condition for the later one, so of a claim and an
   * activation exactly one matches, in either order or at once.
   */
  const ownRow = (ctx: SignupContext) =>
    and(
      eq(tenants.id, ctx.tenantId),
      eq(tenants.status, "pending"),
      ctx.version ? eq(tenants.updatedAt, ctx.version) : undefined,
    );

  /** Writes `set` on the row if it is still this signup's; returns the new version. */
  const advance = async (ctx: SignupContext, set: { stripeCustomerId: string }): Promise<Date> => {
    const version = new Date(Math.max(Date.now(), (ctx.version?.getTime() ?? 0) + 1));
    const rows = await db
      .update(tenants)
      .set({ ...set, updatedAt: version })
      .where(ownRow(ctx))
      .returning({ id: tenants.id });
    if (rows.length === 0) throw new SignupClaimedError(ctx.tenantId);
    return version;
  };

  /**
   * A retry of a signup that crashed before activation finds its own pending row (same derived id,
   * same slug and email): it takes it over and re-runs the later steps, each safe to repeat (the
   * customer and session come back from their idempotency keys). Bumping updated_at makes the
   * sweeper's claim on the row fail, so the two never both work on it. Active tenants are never
   * resumed: their first key may have been delivered, and a second one is not handed to whoever
   * repeats the request.
   */
  const resume = async (ctx: SignupContext): Promise<boolean> => {
    const version = new Date();
    const rows = await db
      .update(tenants)
      .set({ updatedAt: version })
      .where(
        and(
          eq(tenants.id, ctx.tenantId),
          eq(tenants.slug, ctx.input.slug),
          eq(tenants.email, ctx.input.email),
          eq(tenants.status, "pending"),
          // Of concurrent retries only the first passes: the others re-check this after its update.
          lt(tenants.updatedAt, new Date(Date.now() - resumeAfterMs)),
        ),
      )
      .returning({ id: tenants.id });
    if (rows.length === 0) return false;
    ctx.reserved = true;
    ctx.version = version;
    // Keys made by the crashed attempt were never shown to anyone.
    await db.delete(apiKeys).where(eq(apiKeys.tenantId, ctx.tenantId));
    return true;
  };

  const reserve: Step = {
    name: "reserve",
    async run(ctx) {
      // ON CONFLICT DO NOTHING on the unique slug: of any number of racing signups exactly one row
      // is inserted; the others see no returned row and answer slug_taken, with no exception path.
      const version = new Date();
      const insert = () =>
        db
          .insert(tenants)
          .values({
            id: ctx.tenantId,
            slug: ctx.input.slug,
            name: ctx.input.name,
            email: ctx.input.email,
            // A paid plan starts on free: billing moves the tenant to the plan once checkout is paid.
            plan: ctx.paid ? "free" : ctx.input.plan,
            status: "pending",
            updatedAt: version,
          })
          // Any conflict (slug, or the id a retried request derives from its Idempotency-Key).
          .onConflictDoNothing()
          .returning({ id: tenants.id });
      let [row] = await insert();
      if (!row && (await resume(ctx))) return;
      if (!row && (await deps.reclaimSlug?.(ctx.input.slug))) [row] = await insert();
      if (!row) return { ok: false, reason: "slug_taken", detail: `The slug "${ctx.input.slug}" is taken.` };
      ctx.reserved = true;
      ctx.version = version;
    },
    async compensate(ctx) {
      if (!ctx.reserved) return;
      // Only a still-pending row is ours to free; api_keys rows go with it (ON DELETE CASCADE).
      await db.transaction(async (tx) => {
        const deleted = await tx
          .delete(tenants)
          .where(and(eq(tenants.id, ctx.tenantId), eq(tenants.status, "pending")))
          .returning({ id: tenants.id });
        if (deleted.length > 0) {
          await writeAudit(tx, {
            tenantId: ctx.tenantId,
            actor: "system:signup",
            action: "tenant.signup_compensated",
            target: ctx.tenantId,
            data: { slug: ctx.input.slug },
          });
        }
      });
      ctx.reserved = false;
    },
  };

  const customer: Step = {
    name: "customer",
    async run(ctx) {
      const customerId = await createTenantCustomer(deps, ctx.tenantId, ctx.input);
      // Known before the write below, so this step's own compensation deletes it if the write fails.
      ctx.customerId = customerId;
      ctx.version = await advance(ctx, { stripeCustomerId: customerId });
    },
    async compensate(ctx) {
      await deleteTenantCustomer(deps, ctx.tenantId, {
        email: ctx.input.email,
        name: ctx.input.name,
        customerId: ctx.customerId,
      });
      ctx.customerId = undefined;
    },
  };

  const identityStep: Step = {
    name: "identity",
    async run(ctx) {
      await withTimeout(
        "identity.createOrganization",
        ms,
        identity.createOrganization({
          tenantId: ctx.tenantId,
          slug: ctx.input.slug,
          name: ctx.input.name,
          email: ctx.input.email,
        }),
      );
    },
    async compensate(ctx) {
      await withTimeout("identity.deleteOrganization", ms, identity.deleteOrganization(ctx.tenantId));
    },
  };

  const firstKey: Step = {
    name: "api_key",
    async run(ctx) {
      ctx.apiKey = await keys.create(ctx.tenantId, { name: "default" }, "system:signup");
    },
    async compensate(ctx) {
      if (ctx.apiKey) {
        await db
          .delete(apiKeys)
          .where(and(eq(apiKeys.tenantId, ctx.tenantId), eq(apiKeys.id, ctx.apiKey.id)));
      }
      ctx.apiKey = undefined;
    },
  };

  const activate: Step = {
    name: "activate",
    async run(ctx) {
      const activated = await db.transaction(async (tx) => {
        const rows = await tx
          .update(tenants)
          // A trial puts the tenant on its plan at once; otherwise billing does once checkout is paid.
          .set({
            status: "active",
            updatedAt: new Date(),
            ...(ctx.trialSubscriptionId ? { plan: ctx.input.plan } : {}),
          })
          .where(ownRow(ctx))
          .returning({ id: tenants.id });
        if (rows.length === 0) return false;
        await writeAudit(tx, {
          tenantId: ctx.tenantId,
          actor: "system:signup",
          action: "tenant.created",
          target: ctx.tenantId,
          data: {
            slug: ctx.input.slug,
            plan: ctx.input.plan,
            checkout: ctx.checkout?.id ?? null,
            trialSubscription: ctx.trialSubscriptionId ?? null,
          },
        });
        return true;
      });
      // The sweeper claimed a row that was too slow to finish: this signup has lost it.
      if (!activated) throw new SignupClaimedError(ctx.tenantId);
      // Drops negative cache entries for the slug on every node. Activation has committed: a failed
      // publish must not fail the saga, whose compensations would delete the key and the customer
      // of an active tenant; other nodes then answer "unknown slug" until their negative TTL ends.
      await bus.publish({ tenantId: ctx.tenantId, slug: ctx.input.slug }).catch(() => {});
      // Same reasoning: the webhook of the new subscription syncs it anyway if this fails.
      if (ctx.trialSubscriptionId && ctx.customerId) {
        await billing.syncCustomer?.(ctx.customerId).catch(() => {});
      }
    },
  };

  return [reserve, customer, identityStep, firstKey, trialClaimStep(deps), subscriptionStep(deps), activate];
}
