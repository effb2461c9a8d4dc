/** @module The saga's last step: the pending tenant becomes active, unless the sweeper has claimed it. */
import { type Database, tenants } from "@org/db";
import { writeAudit } from "@org/multitenancy";
import { type SignupContext, type SignupDeps, type SignupStep, signupClaimed } from "./signup-context.js";
import { ownRow } from "./tenant-row.js";

/**
 * Activates the tenant (and audits its creation) if its row is still this signup's; refuses with
 * `signup_claimed` when the sweeper claimed a row that was too slow to finish. Then tells every
 * node about the new slug and, for a trial, syncs its subscription: both best effort.
 *
 * @example
 * const steps = [..., subscriptionStep(deps), activateStep(deps)];
 */
export function activateStep(deps: Pick<SignupDeps, "db" | "bus" | "billing">): SignupStep {
  const { bus, billing } = deps;
  return {
    name: "activate",
    async run(ctx) {
      if (!(await activateTenantRow(deps.db, ctx))) return signupClaimed(ctx);
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
}

/** One transaction: the row goes active and `tenant.created` is audited, or neither happens. */
function activateTenantRow(db: Database, ctx: SignupContext): Promise<boolean> {
  return db.transaction(async (tx) => {
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
}
